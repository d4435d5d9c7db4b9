// Ring all-reduce: reduce-scatter then all-gather around the ring (collectives/common/ring.h).
// In n-1 reduce-scatter steps each rank reduces one incoming chunk into its own, after which
// rank r holds the full result of chunk r+1; n-1 all-gather steps then pass the finished
// chunks on. Each rank sends 2(n-1)/n of the buffer, which is the lower bound for all-reduce
// (Patarasuk and Yuan 2009).
#include "collectives/common/ring.h"
#include "collectives/allreduce/allreduce.h"
#include "collectives/patterns/ring.h"

namespace collbench {
namespace {

RingBuffers allreduceRing(const CollArgs& args) {
  return RingBuffers{args.send,  args.recv, args.recv_count,
                     args.dtype, args.op,   kAllreduceRingShift};
}

class RingAllreduce : public Algorithm {
 public:
  std::string name() const override { return "ring"; }
  std::string collective() const override { return "all_reduce"; }
  std::string description() const override {
    return "ring reduce-scatter + all-gather, pipelined in segments; sends 2(n-1)/n of the "
           "buffer per rank (bandwidth-optimal)";
  }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    if (allreduceTrivially(comm, args)) return;
    // All-gather overwrites chunks that reduce-scatter sent from: one after the other.
    ringReduceScatterPhase(comm, allreduceRing(args));
    ringAllGatherPhase(comm, allreduceRing(args));
  }
};

}  // namespace

void ringReduceScatter(Communicator& comm, const CollArgs& args) {
  ringReduceScatterPhase(comm, allreduceRing(args));
}

void ringAllGather(Communicator& comm, const CollArgs& args) {
  ringAllGatherPhase(comm, allreduceRing(args));
}

std::unique_ptr<Algorithm> makeRingAllreduce() { return std::make_unique<RingAllreduce>(); }

}  // namespace collbench
