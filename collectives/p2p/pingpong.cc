// Point-to-point pingpong: ranks pair up 0-1, 2-3, ...; the even rank sends, the odd one
// receives and sends the same bytes back. One iteration is one round trip; the descriptor
// reports half of it as the one-way latency, and bytes / that time as the unidirectional
// bandwidth, as fi_pingpong and OSU's osu_latency do.
#include "collectives/api/collective.h"
#include "collectives/p2p/p2p.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

class Pingpong : public Algorithm {
 public:
  std::string name() const override { return "pingpong"; }
  std::string description() const override {
    return "pairs 0-1, 2-3, ...: one-way latency (half the round trip) and unidirectional "
           "bandwidth of the transport";
  }
  std::string collective() const override { return "pingpong"; }
  // One rank has no partner and nothing to time (only each pair's initiator times a call).
  bool supports(const Communicator& comm, const CollArgs&) const override {
    return comm.size() >= 2;
  }

  void run(Communicator& comm, const CollArgs& args) override {
    const Tag tag = withChannel(comm.nextTagBase(), 1);  // every rank takes one, partner or not
    const int partner = pingpongPartner(comm.rank(), comm.size());
    if (partner < 0) {  // odd one out: its "round trip" returns its own data
      if (!args.inPlace()) memoryOps(comm).copy(args.recv, args.send, args.recvBytes());
      return;
    }
    Transport& tr = comm.transport();
    MemoryRegion& in = comm.region(args.send, args.recvBytes());
    MemoryRegion& out = comm.region(args.recv, args.recvBytes());
    const std::size_t bytes = args.recvBytes();
    if (comm.rank() % 2 == 1) {  // echo
      Request r = tr.postRecv(partner, tag, out, 0, bytes);
      tr.wait(r, comm.deadline());
      Request s = tr.postSend(partner, tag, out, 0, bytes);
      tr.wait(s, comm.deadline());
      return;
    }
    // In place, the reply lands where the request is read from: post it after the send is
    // done. Out of place, post it first so that the reply never waits as unexpected.
    Request reply;
    if (!args.inPlace()) reply = tr.postRecv(partner, tag, out, 0, bytes);
    Request s = tr.postSend(partner, tag, in, 0, bytes);
    tr.wait(s, comm.deadline());
    if (args.inPlace()) reply = tr.postRecv(partner, tag, out, 0, bytes);
    tr.wait(reply, comm.deadline());
  }
};

}  // namespace

std::unique_ptr<Algorithm> makePingpong() { return std::make_unique<Pingpong>(); }

}  // namespace collbench
