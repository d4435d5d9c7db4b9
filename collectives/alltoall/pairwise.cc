// Pairwise alltoall: n-1 rounds; in round k a rank sends to one partner and receives from
// another (partner = rank XOR k when n is a power of two, so both directions of one pair run
// together; else rank + k and rank - k modulo n). `peers_in_flight` rounds are posted at once:
// 1 loads each rank's link with one peer at a time, the classic schedule; more overlaps the
// rounds' latencies at the cost of contention.
#include "collectives/alltoall/alltoall.h"
#include "collectives/alltoall/exchange.h"

#include <algorithm>
#include <string>

namespace collbench {
namespace {

bool powerOfTwo(int n) { return (n & (n - 1)) == 0; }

class PairwiseAlltoall : public Algorithm {
 public:
  std::string name() const override { return "pairwise"; }
  std::string collective() const override { return "alltoall"; }
  std::string description() const override {
    return "n-1 rounds of pairwise exchanges (XOR partners for powers of two), "
           "--peers-in-flight rounds at a time";
  }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  bool usesWorkspace() const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    if (args.send_count == 0) return;
    BlockExchange exchange(comm, args);
    const int n = comm.size(), me = comm.rank();
    const int window = std::max(1, comm.options().peers_in_flight);
    for (int first = 1; first < n; first += window) {
      const int last = std::min(n - 1, first + window - 1);
      for (int k = first; k <= last; ++k) {
        if (powerOfTwo(n)) {
          exchange.post(me ^ k, me ^ k);
        } else {
          exchange.post((me + k) % n, (me - k + n) % n);
        }
      }
      exchange.wait("pairwise alltoall rounds " + std::to_string(first) + " to " +
                    std::to_string(last) + " of " + std::to_string(n - 1));
    }
  }
};

}  // namespace

std::unique_ptr<Algorithm> makePairwiseAlltoall() { return std::make_unique<PairwiseAlltoall>(); }

}  // namespace collbench
