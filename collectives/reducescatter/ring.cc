// Ring reduce-scatter: the all-reduce ring's first half on its own, with rank r ending up
// with block r of the reduction (nccl-tests' layout). Partial sums of the other blocks are
// kept in the send buffer's place: the buffer itself in place, else the communicator's
// workspace (one send buffer's worth). Each rank sends (n-1)/n of its input, the lower bound.
#include "collectives/common/ring.h"
#include "collectives/reduce/reduce.h"
#include "collectives/reducescatter/reducescatter.h"

namespace collbench {
namespace {

class RingReduceScatter : public Algorithm {
 public:
  std::string name() const override { return "ring"; }
  std::string collective() const override { return "reduce_scatter"; }
  std::string description() const override {
    return "ring, pipelined in segments; sends (n-1)/n of the input per rank "
           "(bandwidth-optimal); out of place it needs a send buffer of workspace";
  }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  bool usesWorkspace() const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    if (args.recv_count == 0) return;
    void* work =
        args.inPlace() ? const_cast<void*>(args.send) : comm.workspace(args.sendBytes()).data();
    ringReduceScatterPhase(
        comm, RingBuffers{args.send, work, args.send_count, args.dtype, args.op, /*shift=*/0});
    if (args.inPlace()) return;  // block `rank` of the buffer is args.recv
    const auto* mine = static_cast<const std::byte*>(work) + comm.rank() * args.recvBytes();
    memoryOps(comm).copy(args.recv, mine, args.recvBytes());
  }
};

}  // namespace

std::unique_ptr<Algorithm> makeRingReduceScatter() { return std::make_unique<RingReduceScatter>(); }

}  // namespace collbench
