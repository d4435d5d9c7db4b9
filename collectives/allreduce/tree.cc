// Double binary tree all-reduce, as NCCL does it: the buffer is halved, each half reduced up
// one of the two complementary binary trees of patterns/tree.h and broadcast back down it.
// Latency grows with the depth, about log2(n), instead of with n as in the ring.
//
// Both halves travel in segments, and the rank acts on whichever message arrives first
// (Transport::waitAny): a child's segment is reduced and passed up as soon as every child has
// sent it, a parent's result is passed down as soon as it lands. Each rank is an inner node of
// one tree and a leaf of the other, so a rank that blocked on one tree would stall the other
// (measured: on 200 Mbit/s emulated links a schedule that waited on a fixed lag reached
// 37-50% of the ring's busbw at 4 and 8 hosts).
//
// Results go down at most `segments_in_flight` at a time per tree, as partial sums go up: the
// socket to a child also carries this rank's partial sums up the other tree, and a rank that
// posted every result at once starved the other tree until its queue drained (measured at 4
// emulated hosts: the two trees ran one after the other; docs/PERFORMANCE.md).
//
// A rank passes a chunk up only while fewer than `window_` of its chunks wait for their result
// (the tree's depth, at least 2): each tree is then clocked by its own round trips. A leaf
// that passed its whole input up at once (a TCP send completes into the socket buffer) took
// half its link for that one flow while its inner-node flows starved, and the call ended in a
// tail where only those ran (traced at 4 emulated hosts, 16 MiB: 0.68 of the tree's bound;
// with the window 0.94; docs/PERFORMANCE.md).
//
// A call too short to fill the trees gets smaller segments (treeSegmentBytes, NCCL's rule):
// at 8 ranks 1 MiB travels in 64 KiB segments, 8 per tree instead of 2 that a depth of 3 left
// idle most of the call. A shrunk segment doubles the window: a chunk's round trip costs the
// per-hop wake-ups and the other tree's traffic on the same links, and fewer bytes per chunk
// cover less of it. Measured on 8 emulated 200 Mbit/s hosts (interleaved with the fixed
// segment, 3 launches): 1 MiB 0.62-0.64 -> 0.90-0.95 of the tree's bound, 4 MiB 0.78-0.80 ->
// 0.86-0.90; with the window left at the depth 1 MiB fell to 0.40-0.53.
//
// Children's segments land in scratch slots, `segments_in_flight` per child and tree, reused
// once reduced. A rank posts the receive of a segment's result once its send of that segment's
// partial sum has completed: the result lands in the buffer the partial sum leaves from.
// Transports that complete operations in groups (NCCL: TransportProps::grouped_completion) get
// the fixed-order schedule below instead, which waits on one request at a time.
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

// What both schedules share: the two trees, the halves, the segments and the scratch slots.
class TreeShape {
 protected:
  TreeShape(Communicator& comm, const CollArgs& args)
      : comm_(comm),
        tr_(comm.transport()),
        ops_(memoryOps(comm)),
        args_(args),
        n_(comm.size()),
        esize_(dtypeSize(args.dtype)),
        seg_bytes_(treeSegmentBytes(args.recvBytes() / kTrees, treeDepth(comm.size()),
                                    comm.options().segment_bytes)),
        seg_(std::max<std::size_t>(1, seg_bytes_ / esize_)),
        slots_(static_cast<std::size_t>(std::max(1, comm.options().segments_in_flight))),
        in_(comm.buffer(args.send, args.recvBytes())),
        out_(comm.buffer(args.recv, args.recvBytes())),
        scratch_(comm.scratch(std::size_t{kTrees} * kMaxChildren * slots_ * seg_ * esize_)),
        tag_(comm.nextTagBase()) {
    for (int t = 0; t < kTrees; ++t) {
      node_[t] = doubleBinaryTree(comm.rank(), n_, t);
      half_[t] = evenChunk(args.recv_count, kTrees, t);
      chunks_[t] = segmentCount(half_[t].size(), seg_);
    }
  }

  Range chunk(int t, std::size_t k) const { return segmentOf(half_[t], seg_, k); }
  std::size_t bytesOf(Range r) const { return r.size() * esize_; }
  std::size_t offset(Range r) const { return r.begin * esize_; }
  std::size_t slotOffset(int t, std::size_t c, std::size_t k) const {
    return ((static_cast<std::size_t>(t) * kMaxChildren + c) * slots_ + k % slots_) * seg_ * esize_;
  }
  std::string where(int t, int child, std::size_t k) const {
    const TreeNode& node = node_[t];
    const std::string what =
        child < 0 ? " broadcast from parent rank " + std::to_string(node.parent)
                  : " reduce from child rank " + std::to_string(node.children[child]);
    return "tree " + std::to_string(t) + what + ", chunk " + std::to_string(k);
  }
  // Reduces the children's chunk k (in their slots) with this rank's input into the output;
  // returns where the partial sum is (the input itself on a leaf).
  const RegisteredBuffer& reduceChildren(int t, std::size_t k) {
    const Range r = chunk(t, k);
    const RegisteredBuffer* partial = &in_;
    for (std::size_t c = 0; c < node_[t].children.size(); ++c) {
      ops_.reduce(args_.dtype, args_.op, out_.data() + offset(r), partial->data() + offset(r),
                  scratch_.data() + slotOffset(t, c, k), r.size());
      partial = &out_;
    }
    return *partial;
  }
  // The root's last touch on chunk k, whose sum is complete: avg divides it.
  void finishAtRoot(int t, std::size_t k) {
    const Range r = chunk(t, k);
    if (args_.op == ReduceOp::kAvg)
      ops_.finishAverage(args_.dtype, out_.data() + offset(r), r.size(), n_);
  }
  // Chunk k's result to one child.
  Request postDown(int t, std::size_t k, int child) {
    const Range r = chunk(t, k);
    return tr_.postSend(child, withChannel(tag_, kDownChannel + t), out_.region,
                        out_.base + offset(r), bytesOf(r));
  }
  Request postChildRecv(int t, std::size_t c, std::size_t k) {
    return tr_.postRecv(node_[t].children[c], withChannel(tag_, kUpChannel + t), scratch_,
                        slotOffset(t, c, k), bytesOf(chunk(t, k)));
  }
  Request postUp(int t, std::size_t k, const RegisteredBuffer& partial) {
    const Range r = chunk(t, k);
    return tr_.postSend(node_[t].parent, withChannel(tag_, kUpChannel + t), partial.region,
                        partial.base + offset(r), bytesOf(r));
  }
  Request postResultRecv(int t, std::size_t k) {
    const Range r = chunk(t, k);
    return tr_.postRecv(node_[t].parent, withChannel(tag_, kDownChannel + t), out_.region,
                        out_.base + offset(r), bytesOf(r));
  }

  Communicator& comm_;
  Transport& tr_;
  const MemoryOps& ops_;
  const CollArgs& args_;
  const int n_;
  const std::size_t esize_;
  const std::size_t seg_bytes_;  // --segment-bytes, or less for a call too short to fill the trees
  const std::size_t seg_, slots_;
  const RegisteredBuffer in_;
  const RegisteredBuffer out_;
  MemoryRegion& scratch_;
  const Tag tag_;
  std::array<TreeNode, kTrees> node_;
  std::array<Range, kTrees> half_;
  std::array<std::size_t, kTrees> chunks_{};
};

// The event-driven schedule (see the top of the file).
class TreeEvents : TreeShape {
 public:
  TreeEvents(Communicator& comm, const CollArgs& args) : TreeShape(comm, args) {
    for (int t = 0; t < kTrees; ++t) {
      arrived_[t].assign(chunks_[t], 0);
      sent_up_[t].assign(chunks_[t], false);
      have_result_[t].assign(chunks_[t], false);
    }
  }

  void run() {
    for (int t = 0; t < kTrees; ++t) reduceReady(t);  // a leaf passes its input up at once
    while (!finished()) {
      std::size_t i = 0;
      waitAt([&] { i = tr_.waitAny(pending_, comm_.deadline()); },
             [&] { return describe(events_.front()); });
      const Event e = events_[i];
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
      events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(i));
      if (e.child == kUpSent) {
        sent_up_[e.t][e.k] = true;
        postResultRecvs(e.t);
        reduceReady(e.t);
      } else if (e.child == kResult) {
        resultArrived(e.t, e.k);
        reduceReady(e.t);  // the window may have opened
      } else if (e.child == kDownSent) {
        --down_in_flight_[e.t];
        passDown(e.t);
      } else {
        ++arrived_[e.t][e.k];
        reduceReady(e.t);
      }
    }
    waitAt([&] { tr_.wait(pending_, comm_.deadline()); },
           [&] { return describe(events_.front()); });  // the last results to the children
  }

 private:
  static constexpr int kResult = -1;    // Event::child: the parent's result arrived
  static constexpr int kUpSent = -2;    // Event::child: the partial sum has left
  static constexpr int kDownSent = -3;  // Event::child: a result has left for a child
  struct Event {
    int t;
    int child;  // index among the children, or kResult, or kUpSent
    std::size_t k;
  };

  bool finished() const {
    for (int t = 0; t < kTrees; ++t) {
      if (done_[t] < chunks_[t]) return false;
    }
    return true;
  }
  std::string describe(const Event& e) const {
    if (e.child == kDownSent) {
      return "tree " + std::to_string(e.t) + " result down to the children, chunk " +
             std::to_string(e.k);
    }
    if (e.child != kUpSent) return where(e.t, e.child, e.k);
    return "tree " + std::to_string(e.t) + " partial sum up to parent rank " +
           std::to_string(node_[e.t].parent) + ", chunk " + std::to_string(e.k);
  }
  void expect(Request req, const Event& e) {
    pending_.push_back(req);
    events_.push_back(e);
  }

  // Keeps the children's receives posted up to `slots_` chunks past the next to reduce.
  void postChildRecvs(int t) {
    const std::size_t until = std::min(chunks_[t], reduced_[t] + slots_);
    for (; posted_[t] < until; ++posted_[t]) {
      for (std::size_t c = 0; c < node_[t].children.size(); ++c)
        expect(postChildRecv(t, c, posted_[t]), {t, static_cast<int>(c), posted_[t]});
    }
  }

  // Reduces, in order, every chunk whose children have all arrived, and passes it on: up (the
  // receive of its result is posted once the partial sum has left the buffer the result lands
  // in); or, at the root, down.
  void reduceReady(int t) {
    const std::size_t children = node_[t].children.size();
    for (; reduced_[t] < chunks_[t] && arrived_[t][reduced_[t]] == children && mayPassUp(t);
         ++reduced_[t]) {
      const std::size_t k = reduced_[t];
      const RegisteredBuffer& partial = reduceChildren(t, k);
      if (node_[t].parent >= 0) {
        expect(postUp(t, k, partial), {t, kUpSent, k});
        continue;
      }
      finishAtRoot(t, k);
      resultArrived(t, k);
    }
    postChildRecvs(t);
  }

  // At most `slots_` partial sums in flight up each tree: the parent posts its receives no
  // further ahead, and a transport given every chunk at once (a leaf's whole input) can run out
  // of send resources and hold back the receives posted after them (libfabric's rxm did). And
  // at most `window_` chunks passed up whose result has not come back (see the top of the file).
  bool mayPassUp(int t) const {
    if (node_[t].parent < 0) return true;
    return reduced_[t] < awaited_[t] + slots_ && reduced_[t] < results_[t] + window_;
  }

  // Posts the result receives, in chunk order (results match them in the order the parent
  // sends, which is chunk order), of the chunks whose partial sums have left.
  void postResultRecvs(int t) {
    for (; awaited_[t] < chunks_[t] && sent_up_[t][awaited_[t]]; ++awaited_[t])
      expect(postResultRecv(t, awaited_[t]), {t, kResult, awaited_[t]});
  }

  // Chunk k of tree t holds its result. Results go on to the children in chunk order, the
  // order of their receives: a transport may report later ones first.
  void resultArrived(int t, std::size_t k) {
    have_result_[t][k] = true;
    ++results_[t];
    passDown(t);
  }
  void passDown(int t) {
    for (; done_[t] < chunks_[t] && have_result_[t][done_[t]] && down_in_flight_[t] < slots_;
         ++done_[t]) {
      for (int child : node_[t].children) {
        ++down_in_flight_[t];
        expect(postDown(t, done_[t], child), {t, kDownSent, done_[t]});
      }
    }
  }

  std::array<std::vector<std::size_t>, kTrees> arrived_;  // children's segments in, per chunk
  std::array<std::size_t, kTrees> posted_{};              // chunks whose child receives are posted
  std::array<std::size_t, kTrees> reduced_{};             // chunks reduced and passed on, in order
  std::array<std::vector<bool>, kTrees> sent_up_;         // partial sums that have left, per chunk
  std::array<std::size_t, kTrees> awaited_{};             // chunks whose result receive is posted
  std::array<std::vector<bool>, kTrees> have_result_;     // results here, per chunk
  std::array<std::size_t, kTrees> done_{};                // chunks whose result is here, in order
  std::vector<Request> pending_;                          // receives not yet complete, with
  std::vector<Event> events_;                             // what each one is
  std::array<std::size_t, kTrees> down_in_flight_{};
  std::array<std::size_t, kTrees> results_{};  // results here, in any order
  // A segment shrunk to fill the trees doubles the window (measured: see the top of the file).
  const std::size_t window_ = static_cast<std::size_t>(std::max(2, treeDepth(n_))) *
                              (seg_bytes_ < comm_.options().segment_bytes ? 2 : 1);
};

// The fixed-order schedule, for transports whose operations complete in groups (NCCL): chunk k
// is reduced up both trees and chunk k - lag broadcast down them, lag covering the round trip
// to the root and back (about twice the depth), each wait on one request in turn.
class TreeLagged : TreeShape {
 public:
  TreeLagged(Communicator& comm, const CollArgs& args) : TreeShape(comm, args) {
    for (int t = 0; t < kTrees; ++t) {
      rounds_ = std::max(rounds_, chunks_[t]);
      up_sends_[t].resize(chunks_[t]);
    }
    lag_ = std::min<std::size_t>(rounds_, 2 * static_cast<std::size_t>(treeDepth(n_)) + 1);
  }

  void run() {
    for (std::size_t k = 0; k < rounds_ + lag_; ++k) {
      for (int t = 0; t < kTrees; ++t) {
        if (k < chunks_[t]) reduceUp(t, k);
        if (k >= lag_ && k - lag_ < chunks_[t]) broadcastDown(t, k - lag_);
      }
    }
    tr_.wait(sends_, comm_.deadline());
  }

 private:
  // Keeps child receives posted up to `slots_` chunks ahead of chunk k.
  void postChildRecvs(int t, std::size_t k) {
    for (; posted_[t] < std::min(chunks_[t], k + slots_); ++posted_[t]) {
      for (std::size_t c = 0; c < node_[t].children.size(); ++c)
        child_recvs_[t][c].push_back(postChildRecv(t, c, posted_[t]));
    }
  }

  void reduceUp(int t, std::size_t k) {
    postChildRecvs(t, k);
    for (std::size_t c = 0; c < node_[t].children.size(); ++c) {
      Request req = child_recvs_[t][c].front();
      child_recvs_[t][c].pop_front();
      waitAt([&] { tr_.wait(req, comm_.deadline()); },
             [&] { return where(t, static_cast<int>(c), k); });
    }
    const RegisteredBuffer& partial = reduceChildren(t, k);
    if (node_[t].parent >= 0) {
      up_sends_[t][k] = postUp(t, k, partial);
    } else {
      finishAtRoot(t, k);
    }
  }

  void broadcastDown(int t, std::size_t k) {
    if (node_[t].parent >= 0) {
      // The result overwrites out_, which the up-send of this chunk may still be reading.
      tr_.wait(up_sends_[t][k], comm_.deadline());
      Request down = postResultRecv(t, k);
      waitAt([&] { tr_.wait(down, comm_.deadline()); }, [&] { return where(t, -1, k); });
    }
    for (int child : node_[t].children) sends_.push_back(postDown(t, k, child));
  }

  std::size_t rounds_ = 0;
  std::size_t lag_ = 0;
  std::array<std::size_t, kTrees> posted_{};
  std::array<std::array<std::deque<Request>, kMaxChildren>, kTrees> child_recvs_;
  std::array<std::vector<Request>, kTrees> up_sends_;
  std::vector<Request> sends_;  // results to the children, waited for at the end
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
    if (comm.transport().props().grouped_completion) {
      TreeLagged(comm, args).run();
    } else {
      TreeEvents(comm, args).run();
    }
  }
};

}  // namespace

std::unique_ptr<Algorithm> makeTreeAllreduce() { return std::make_unique<TreeAllreduce>(); }

}  // namespace collbench
