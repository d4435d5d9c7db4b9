// Ring all-gather: the all-reduce ring's second half on its own. Rank r's input is block r of
// every rank's output (nccl-tests' layout); it is put in place, then n-1 steps pass each block
// one rank further around the ring, pipelined in segments. Each rank sends and receives
// (n-1)/n of the output, the lower bound.
#include "collectives/common/ring.h"
#include "collectives/allgather/allgather.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

class RingAllGather : public Algorithm {
 public:
  std::string name() const override { return "ring"; }
  std::string collective() const override { return "all_gather"; }
  std::string description() const override {
    return "ring, pipelined in segments; sends (n-1)/n of the output per rank "
           "(bandwidth-optimal)";
  }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    const std::size_t part = args.send_count;
    if (part == 0) return;
    auto* own = static_cast<std::byte*>(args.recv) + comm.rank() * args.sendBytes();
    if (!args.inPlace()) memoryOps(comm).copy(own, args.send, args.sendBytes());
    if (comm.size() == 1) return;
    ringAllGatherPhase(
        comm, RingBuffers{args.recv, args.recv, args.recv_count, args.dtype, args.op, /*shift=*/0});
  }
};

}  // namespace

std::unique_ptr<Algorithm> makeRingAllGather() { return std::make_unique<RingAllGather>(); }

}  // namespace collbench
