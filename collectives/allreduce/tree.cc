// Double binary tree all-reduce, as NCCL does it: the buffer is halved, each half reduced up
// one of the two complementary binary trees of patterns/tree.h and broadcast back down it.
// Latency grows with the depth, about log2(n), instead of with n as in the ring.
//
// Both halves travel in segments. Children's segments are received into scratch slots posted
// `segments_in_flight` ahead; a rank reduces segment k and passes it up, and broadcasts
// segment k - lag down, so that the up and down halves of the pipeline run at the same time.
// lag covers the round trip to the root and back, about twice the depth.
#include <algorithm>
#include <array>
#include <deque>
#include <string>
#include <vector>

#include "collectives/allreduce/allreduce.h"
#include "collectives/patterns/ring.h"
#include "collectives/patterns/tree.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

constexpr Tag kUpChannel = 1;    // + tree index: partial sums toward the root
constexpr Tag kDownChannel = 3;  // + tree index: results toward the leaves
constexpr int kTrees = 2;
constexpr int kMaxChildren = 2;

int ceilLog2(int n) {
  int d = 0;
  while ((1 << d) < n) ++d;
  return d;
}

class TreeRun {
 public:
  TreeRun(Communicator& comm, const CollArgs& args)
      : comm_(comm),
        tr_(comm.transport()),
        ops_(memoryOps(comm)),
        args_(args),
        n_(comm.size()),
        esize_(dtypeSize(args.dtype)),
        seg_(std::max<std::size_t>(1, comm.options().segment_bytes / esize_)),
        slots_(static_cast<std::size_t>(std::max(1, comm.options().segments_in_flight))),
        in_(comm.buffer(args.send, args.recvBytes())),
        out_(comm.buffer(args.recv, args.recvBytes())),
        scratch_(comm.scratch(std::size_t{kTrees} * kMaxChildren * slots_ * seg_ * esize_)),
        tag_(comm.nextTagBase()) {
    for (int t = 0; t < kTrees; ++t) {
      node_[t] = doubleBinaryTree(comm.rank(), n_, t);
      half_[t] = evenChunk(args.recv_count, kTrees, t);
      chunks_ = std::max(chunks_, segmentCount(half_[t].size(), seg_));
      up_sends_[t].resize(segmentCount(half_[t].size(), seg_));
    }
    lag_ = std::min<std::size_t>(chunks_, 2 * ceilLog2(n_) + 1);
  }

  void run() {
    for (std::size_t k = 0; k < chunks_ + lag_; ++k) {
      for (int t = 0; t < kTrees; ++t) {
        if (k < chunks_) reduceUp(t, k);
        if (k >= lag_) broadcastDown(t, k - lag_);
      }
    }
    tr_.wait(down_sends_, comm_.deadline());
  }

 private:
  Range chunk(int t, std::size_t k) const { return segmentOf(half_[t], seg_, k); }
  std::size_t bytesOf(Range r) const { return r.size() * esize_; }
  std::size_t slotOffset(int t, std::size_t c, std::size_t k) const {
    return ((static_cast<std::size_t>(t) * kMaxChildren + c) * slots_ + k % slots_) * seg_ * esize_;
  }

  // Keeps child receives posted up to `slots_` chunks ahead of chunk k.
  void postChildRecvs(int t, std::size_t k) {
    const std::size_t until = std::min(chunks_, k + slots_);
    for (; posted_[t] < until; ++posted_[t]) {
      const Range r = chunk(t, posted_[t]);
      for (std::size_t c = 0; c < node_[t].children.size(); ++c) {
        if (r.empty()) continue;
        child_recvs_[t][c].push_back(tr_.postRecv(node_[t].children[c],
                                                  withChannel(tag_, kUpChannel + t), scratch_,
                                                  slotOffset(t, c, posted_[t]), bytesOf(r)));
      }
    }
  }

  std::string where(int t, const char* what, int peer, std::size_t k) const {
    return "tree " + std::to_string(t) + " " + what + " " + std::to_string(peer) + ", chunk " +
           std::to_string(k);
  }

  void reduceUp(int t, std::size_t k) {
    postChildRecvs(t, k);
    const Range r = chunk(t, k);
    if (r.empty()) return;
    const TreeNode& node = node_[t];
    const RegisteredBuffer* partial = &in_;  // a leaf passes its input up as it is
    for (std::size_t c = 0; c < node.children.size(); ++c) {
      Request req = child_recvs_[t][c].front();
      child_recvs_[t][c].pop_front();
      waitAt([&] { tr_.wait(req, comm_.deadline()); },
             [&] { return where(t, "reduce from child rank", node.children[c], k); });
      std::byte* dst = out_.data() + r.begin * esize_;
      ops_.reduce(args_.dtype, args_.op, dst, partial->data() + r.begin * esize_,
                  scratch_.data() + slotOffset(t, c, k), r.size());
      partial = &out_;
    }
    if (node.parent >= 0) {
      up_sends_[t][k] = tr_.postSend(node.parent, withChannel(tag_, kUpChannel + t),
                                     partial->region, partial->base + r.begin * esize_, bytesOf(r));
      return;
    }
    if (partial != &out_) {  // a root without children (only when n == 1, handled earlier)
      ops_.copy(out_.data() + r.begin * esize_, in_.data() + r.begin * esize_, bytesOf(r));
    }
    if (args_.op == ReduceOp::kAvg) {
      ops_.finishAverage(args_.dtype, out_.data() + r.begin * esize_, r.size(), n_);
    }
  }

  void broadcastDown(int t, std::size_t k) {
    const Range r = chunk(t, k);
    if (r.empty()) return;
    const TreeNode& node = node_[t];
    if (node.parent >= 0) {
      // The result overwrites out_, which the up-send of this chunk may still be reading.
      tr_.wait(up_sends_[t][k], comm_.deadline());
      Request down = tr_.postRecv(node.parent, withChannel(tag_, kDownChannel + t), out_.region,
                                  out_.base + r.begin * esize_, bytesOf(r));
      waitAt([&] { tr_.wait(down, comm_.deadline()); },
             [&] { return where(t, "broadcast from parent rank", node.parent, k); });
    }
    for (int child : node.children) {
      down_sends_.push_back(tr_.postSend(child, withChannel(tag_, kDownChannel + t), out_.region,
                                         out_.base + r.begin * esize_, bytesOf(r)));
    }
  }

  Communicator& comm_;
  Transport& tr_;
  const MemoryOps& ops_;
  const CollArgs& args_;
  const int n_;
  const std::size_t esize_, seg_, slots_;
  const RegisteredBuffer in_;
  const RegisteredBuffer out_;
  MemoryRegion& scratch_;
  const Tag tag_;
  std::array<TreeNode, kTrees> node_;
  std::array<Range, kTrees> half_;
  std::size_t chunks_ = 0;
  std::size_t lag_ = 0;
  std::array<std::size_t, kTrees> posted_{};
  std::array<std::array<std::deque<Request>, kMaxChildren>, kTrees> child_recvs_;
  std::array<std::vector<Request>, kTrees> up_sends_;
  std::vector<Request> down_sends_;
};

class TreeAllreduce : public Algorithm {
 public:
  std::string name() const override { return "tree"; }
  std::string costForm() const override { return "tree"; }
  std::string collective() const override { return "all_reduce"; }
  std::string description() const override {
    return "double binary tree (NCCL-style): reduce up and broadcast down two complementary "
           "trees, one half of the buffer each, pipelined in segments; latency ~ log2(n)";
  }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    if (allreduceTrivially(comm, args)) return;
    TreeRun(comm, args).run();
  }
};

}  // namespace

std::unique_ptr<Algorithm> makeTreeAllreduce() { return std::make_unique<TreeAllreduce>(); }

}  // namespace collbench
