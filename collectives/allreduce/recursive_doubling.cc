// Recursive-doubling all-reduce, the latency-optimal algorithm for small messages (Thakur,
// Rabenseifner and Gropp 2005): in log2(p) steps each rank exchanges its whole partial result
// with the rank whose index differs in one bit and reduces the two, so every rank holds the
// full result after ceil(log2 n) message latencies (against 2(n-1) for the ring). For n not a
// power of two, the first 2r ranks (r = n - p, p the largest power of two <= n) fold in pairs
// first: each even one hands its input to the odd one above it and sits out, then gets the
// result back at the end. Every rank reduces in the same order on both sides of an exchange
// (a + b against b + a), so all ranks hold identical bits.
#include "collectives/allreduce/allreduce.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

class RecursiveDoubling {
 public:
  RecursiveDoubling(Communicator& comm, const CollArgs& args)
      : comm_(comm),
        tr_(comm.transport()),
        args_(args),
        n_(comm.size()),
        me_(comm.rank()),
        pow2_(largestPowerOfTwo(n_)),
        extra_(n_ - pow2_),
        bytes_(args.recvBytes()),
        out_(comm.buffer(args.recv, bytes_)),
        tag_(withChannel(comm.nextTagBase(), 1)) {}

  void run() {
    if (!args_.inPlace()) memoryOps(comm_).copy(args_.recv, args_.send, bytes_);
    const bool folded = me_ < 2 * extra_;
    if (folded && me_ % 2 == 0) {  // hands its input to me + 1, gets the result back
      step(me_ + 1, Step::kSend, "fold to rank");
      step(me_ + 1, Step::kReceive, "result from rank");
    } else {
      if (folded) step(me_ - 1, Step::kReceiveAndReduce, "fold from rank");
      const int v = folded ? me_ / 2 : me_ - extra_;  // index among the p doubling ranks
      for (int mask = 1; mask < pow2_; mask <<= 1) {
        step(realRank(v ^ mask), Step::kExchangeAndReduce, "doubling step with rank");
      }
      if (folded) step(me_ - 1, Step::kSend, "result to rank");
    }
    if (args_.op == ReduceOp::kAvg)
      memoryOps(comm_).finishAverage(args_.dtype, args_.recv, args_.recv_count, n_);
  }

 private:
  // kSend: the current result to the peer. kReceive: the peer's result replaces ours.
  // kReceiveAndReduce: the peer's buffer, reduced into ours. kExchangeAndReduce: both at once.
  enum class Step { kSend, kReceive, kReceiveAndReduce, kExchangeAndReduce };

  static int largestPowerOfTwo(int n) {
    int p = 1;
    while (p * 2 <= n) p *= 2;
    return p;
  }
  // The rank of doubling index v: the odd member of a folded pair, or an unfolded rank.
  int realRank(int v) const { return v < extra_ ? 2 * v + 1 : v + extra_; }

  void step(int peer, Step kind, const char* what) {
    MemoryRegion& scratch = comm_.scratch(bytes_);
    const bool reduces = kind == Step::kReceiveAndReduce || kind == Step::kExchangeAndReduce;
    Request reqs[2];
    std::size_t count = 0;
    if (kind == Step::kReceive)
      reqs[count++] = tr_.postRecv(peer, tag_, out_.region, out_.base, bytes_);
    if (reduces) reqs[count++] = tr_.postRecv(peer, tag_, scratch, 0, bytes_);
    if (kind == Step::kSend || kind == Step::kExchangeAndReduce)
      reqs[count++] = tr_.postSend(peer, tag_, out_.region, out_.base, bytes_);
    waitAt([&] { tr_.wait(reqs, count, comm_.deadline()); },
           [&] { return std::string(what) + " " + std::to_string(peer); });
    if (reduces) {
      memoryOps(comm_).reduce(args_.dtype, args_.op, args_.recv, args_.recv, scratch.data(),
                              args_.recv_count);
    }
  }

  Communicator& comm_;
  Transport& tr_;
  const CollArgs& args_;
  const int n_, me_, pow2_, extra_;
  const std::size_t bytes_;
  const RegisteredBuffer out_;
  const Tag tag_;
};

class RecursiveDoublingAllreduce : public Algorithm {
 public:
  std::string name() const override { return "recursive-doubling"; }
  std::string collective() const override { return "all_reduce"; }
  std::string description() const override {
    return "whole-buffer exchanges with partners one bit apart: ceil(log2 n) latencies, for "
           "small messages (sends log2(n) buffers per rank)";
  }
  std::string costForm() const override { return "recursive-doubling"; }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    if (allreduceTrivially(comm, args)) return;
    RecursiveDoubling(comm, args).run();
  }
};

}  // namespace

std::unique_ptr<Algorithm> makeRecursiveDoublingAllreduce() {
  return std::make_unique<RecursiveDoublingAllreduce>();
}

}  // namespace collbench
