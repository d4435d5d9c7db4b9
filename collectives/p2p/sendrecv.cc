// sendrecv as nccl-tests measures it: every rank sends its buffer to rank + 1 and receives
// rank - 1's at the same time, so every link of the ring carries the buffer in both
// directions at once (for 2 ranks, each rank both sends to and receives from the other). In
// place, the input is first copied to scratch, since it is overwritten while it leaves.
#include "collectives/api/collective.h"
#include "collectives/p2p/p2p.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

class RingSendrecv : public Algorithm {
 public:
  std::string name() const override { return "ring"; }
  std::string collective() const override { return "sendrecv"; }
  std::string description() const override {
    return "send to rank+1 while receiving from rank-1 (nccl-tests' sendrecv)";
  }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  bool usesWorkspace() const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    const Tag tag = withChannel(comm.nextTagBase(), 1);
    const int n = comm.size(), me = comm.rank();
    const std::size_t bytes = args.recvBytes();
    if (bytes == 0 || n == 1) {
      if (!args.inPlace() && bytes > 0) memoryOps(comm).copy(args.recv, args.send, bytes);
      return;
    }
    const void* input = args.send;
    if (args.inPlace()) {
      input = comm.workspace(bytes).data();
      memoryOps(comm).copy(const_cast<void*>(input), args.send, bytes);
    }
    const RegisteredBuffer in = comm.buffer(input, bytes), out = comm.buffer(args.recv, bytes);
    Transport& tr = comm.transport();
    Request reqs[2] = {tr.postRecv((me + n - 1) % n, tag, out.region, out.base, bytes),
                       tr.postSend((me + 1) % n, tag, in.region, in.base, bytes)};
    waitAt([&] { tr.wait(reqs, 2, comm.deadline()); },
           [&] {
             return "sendrecv with ranks " + std::to_string((me + 1) % n) + " and " +
                    std::to_string((me + n - 1) % n);
           });
  }
};

}  // namespace

std::unique_ptr<Algorithm> makeRingSendrecv() { return std::make_unique<RingSendrecv>(); }

}  // namespace collbench
