// All-at-once alltoall: every send and receive posted together and waited for together, the
// way NCCL's grouped ncclSend/ncclRecv alltoall is issued; the fabric sees n-1 flows per rank
// at once (incast at every receiver), which is where fabrics differ most.
#include "collectives/alltoall/alltoall.h"
#include "collectives/alltoall/exchange.h"

namespace collbench {
namespace {

class AllAtOnceAlltoall : public Algorithm {
 public:
  std::string name() const override { return "all-at-once"; }
  std::string collective() const override { return "alltoall"; }
  std::string description() const override {
    return "every send and receive posted at once (as NCCL's grouped send/recv alltoall)";
  }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  bool usesWorkspace() const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    if (args.send_count == 0) return;
    BlockExchange exchange(comm, args);
    const int n = comm.size(), me = comm.rank();
    for (int k = 1; k < n; ++k) exchange.post((me + k) % n, (me - k + n) % n);
    exchange.wait("all-at-once alltoall");
  }
};

}  // namespace

std::unique_ptr<Algorithm> makeAllAtOnceAlltoall() { return std::make_unique<AllAtOnceAlltoall>(); }

}  // namespace collbench
