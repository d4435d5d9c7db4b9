// sendrecv as nccl-tests measures it: every rank sends its buffer to rank + 1 and receives
// rank - 1's at the same time, so every link of the ring carries the buffer in both
// directions at once (for 2 ranks, each rank both sends to and receives from the other). In
// place, the input is first copied to scratch, since it is overwritten while it leaves.
// The buffer moves in segments of the communicator's segment size, as the ring's chunks do
// (and NCCL's sendrecv through its FIFO).
#include <algorithm>
#include <vector>

#include "collectives/api/collective.h"
#include "collectives/p2p/p2p.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

// Sends `bytes` of `in` to rank + 1 while receiving as many from rank - 1 into `out`, in
// segments. Receives are posted `segments_in_flight` ahead; each send is waited for with its
// segment's receive before the next send is posted. That keeps NCCL's groups (one per wait,
// transports/nccl/transport.h) pairing on both sides, and over TCP it ran faster than posting a
// batch of sends at once (4 ranks, 1 MiB: 0.4-0.65 ms against 1.7 ms; 64 MiB: 40 ms against
// 52 ms), and level with MPI_Sendrecv or better.
void exchange(Communicator& comm, Tag tag, const RegisteredBuffer& in, const RegisteredBuffer& out,
              std::size_t bytes) {
  const int n = comm.size(), next = (comm.rank() + 1) % n, prev = (comm.rank() + n - 1) % n;
  const std::size_t seg = std::max<std::size_t>(1, comm.options().segment_bytes);
  const std::size_t segments = (bytes + seg - 1) / seg;
  const auto window = static_cast<std::size_t>(std::max(1, comm.options().segments_in_flight));
  Transport& tr = comm.transport();
  auto part = [&](std::size_t k) { return std::min(seg, bytes - k * seg); };
  std::vector<Request> recvs(std::min(window, segments));  // segment k in slot k % window
  auto postRecv = [&](std::size_t k) {
    recvs[k % window] = tr.postRecv(prev, tag, out.region, out.base + k * seg, part(k));
  };
  for (std::size_t k = 0; k < recvs.size(); ++k) postRecv(k);
  for (std::size_t k = 0; k < segments; ++k) {
    Request pair[2] = {std::move(recvs[k % window]),
                       tr.postSend(next, tag, in.region, in.base + k * seg, part(k))};
    waitAt([&] { tr.wait(pair, 2, comm.deadline()); },
           [&] {
             return "sendrecv with ranks " + std::to_string(next) + " and " + std::to_string(prev) +
                    ", segment " + std::to_string(k) + " of " + std::to_string(segments);
           });
    if (k + window < segments) postRecv(k + window);
  }
}

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
    const std::size_t bytes = args.recvBytes();
    if (bytes == 0 || comm.size() == 1) {
      if (!args.inPlace() && bytes > 0) memoryOps(comm).copy(args.recv, args.send, bytes);
      return;
    }
    const void* input = args.send;
    if (args.inPlace()) {
      input = comm.workspace(bytes).data();
      memoryOps(comm).copy(const_cast<void*>(input), args.send, bytes);
    }
    const RegisteredBuffer in = comm.buffer(input, bytes), out = comm.buffer(args.recv, bytes);
    exchange(comm, tag, in, out, bytes);
  }
};

}  // namespace

std::unique_ptr<Algorithm> makeRingSendrecv() { return std::make_unique<RingSendrecv>(); }

}  // namespace collbench
