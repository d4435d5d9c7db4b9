// A chain root -> ... -> last streams the buffer with one hop per segment in the pipeline:
// time about (n - 1 + segments - 1) * segment time, so it carries the link's bandwidth for
// large buffers. A binary tree has depth about log2(n) for small buffers, at the cost of each
// inner rank sending every segment twice.
#include "collectives/common/rooted.h"

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "collectives/patterns/ring.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

constexpr Tag kBroadcastChannel = 1;
constexpr Tag kReduceChannel = 2;
constexpr std::size_t kMaxChildren = 2;

class RootedPipeline {
 public:
  RootedPipeline(Communicator& comm, const CollArgs& args, RootedShape shape)
      : comm_(comm),
        tr_(comm.transport()),
        ops_(memoryOps(comm)),
        args_(args),
        node_(shape(comm.rank(), comm.size(), args.root)),
        esize_(dtypeSize(args.dtype)),
        seg_(std::max<std::size_t>(1, comm.options().segment_bytes / esize_)),
        slots_(static_cast<std::size_t>(std::max(1, comm.options().segments_in_flight))),
        segments_(segmentCount(args.recv_count, seg_)),
        in_(comm.buffer(args.send, args.sendBytes())),
        out_(comm.buffer(args.recv, args.recvBytes())),
        tag_(comm.nextTagBase()) {}

  // The root sends each segment from its input and only then copies it to its output, so
  // that the copy overlaps the segment's flight instead of delaying every send.
  void broadcast() {
    const bool root = node_.parent < 0;
    const RegisteredBuffer& source = root ? in_ : out_;
    std::deque<Request> ahead;
    for (std::size_t k = 0, posted = 0; k < segments_; ++k) {
      for (; !root && posted < std::min(segments_, k + slots_); ++posted) {
        const Range r = range(posted);
        ahead.push_back(tr_.postRecv(node_.parent, withChannel(tag_, kBroadcastChannel),
                                     out_.region, out_.base + r.begin * esize_, bytesOf(r)));
      }
      if (!root) {
        waitFor(ahead.front(), "broadcast from parent rank", node_.parent, k);
        ahead.pop_front();
      }
      for (int child : node_.children) sendTo(child, kBroadcastChannel, source, range(k));
      if (root && !args_.inPlace()) copySegment(range(k));
    }
    tr_.wait(sends_, comm_.deadline());
  }

  void reduce() {
    MemoryRegion& scratch = comm_.scratch(kMaxChildren * slots_ * seg_ * esize_);
    std::vector<std::deque<Request>> ahead(node_.children.size());
    for (std::size_t k = 0, posted = 0; k < segments_; ++k) {
      for (; posted < std::min(segments_, k + slots_); ++posted) {
        for (std::size_t c = 0; c < node_.children.size(); ++c) {
          ahead[c].push_back(tr_.postRecv(node_.children[c], withChannel(tag_, kReduceChannel),
                                          scratch, slotOffset(c, posted), bytesOf(range(posted))));
        }
      }
      const RegisteredBuffer* partial = &in_;  // a leaf passes its input up as it is
      for (std::size_t c = 0; c < node_.children.size(); ++c) {
        waitFor(ahead[c].front(), "reduce from child rank", node_.children[c], k);
        ahead[c].pop_front();
        const Range r = range(k);
        ops_.reduce(args_.dtype, args_.op, out_.data() + r.begin * esize_,
                    partial->data() + r.begin * esize_, scratch.data() + slotOffset(c, k),
                    r.size());
        partial = &out_;
      }
      finishSegment(*partial, k);
    }
    tr_.wait(sends_, comm_.deadline());
  }

 private:
  Range range(std::size_t k) const { return segmentOf({0, args_.recv_count}, seg_, k); }
  std::size_t bytesOf(Range r) const { return r.size() * esize_; }
  std::size_t slotOffset(std::size_t child, std::size_t k) const {
    return (child * slots_ + k % slots_) * seg_ * esize_;
  }

  void copySegment(Range r) {
    ops_.copy(out_.data() + r.begin * esize_, in_.data() + r.begin * esize_, bytesOf(r));
  }

  // Passes the reduced segment up, or at the root puts it in place and finishes an average.
  void finishSegment(const RegisteredBuffer& partial, std::size_t k) {
    const Range r = range(k);
    if (node_.parent >= 0) return sendTo(node_.parent, kReduceChannel, partial, r);
    std::byte* dst = out_.data() + r.begin * esize_;
    const std::byte* src = partial.data() + r.begin * esize_;
    if (src != dst) ops_.copy(dst, src, bytesOf(r));
    if (args_.op == ReduceOp::kAvg) ops_.finishAverage(args_.dtype, dst, r.size(), comm_.size());
  }

  void sendTo(int peer, Tag channel, const RegisteredBuffer& from, Range r) {
    sends_.push_back(tr_.postSend(peer, withChannel(tag_, channel), from.region,
                                  from.base + r.begin * esize_, bytesOf(r)));
  }

  void waitFor(Request& req, const char* what, int peer, std::size_t k) {
    waitAt([&] { tr_.wait(req, comm_.deadline()); },
           [&] {
             return std::string(what) + " " + std::to_string(peer) + ", segment " +
                    std::to_string(k) + " of " + std::to_string(segments_);
           });
  }

  Communicator& comm_;
  Transport& tr_;
  const MemoryOps& ops_;
  const CollArgs& args_;
  const TreeNode node_;
  const std::size_t esize_, seg_, slots_, segments_;
  const RegisteredBuffer in_;
  const RegisteredBuffer out_;
  const Tag tag_;
  std::vector<Request> sends_;
};

class RootedAlgorithm : public Algorithm {
 public:
  RootedAlgorithm(std::string collective, std::string name, std::string cost_form,
                  std::string description, RootedRun run, RootedShape shape)
      : collective_(std::move(collective)),
        name_(std::move(name)),
        cost_form_(std::move(cost_form)),
        description_(std::move(description)),
        run_(run),
        shape_(shape) {}
  std::string name() const override { return name_; }
  std::string collective() const override { return collective_; }
  std::string description() const override { return description_; }
  std::string costForm() const override { return cost_form_; }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override { run_(comm, args, shape_); }

 private:
  std::string collective_, name_, cost_form_, description_;
  RootedRun run_;
  RootedShape shape_;
};

}  // namespace

std::unique_ptr<Algorithm> makeRootedAlgorithm(std::string collective, std::string name,
                                               std::string cost_form, std::string description,
                                               RootedRun run, RootedShape shape) {
  return std::make_unique<RootedAlgorithm>(std::move(collective), std::move(name),
                                           std::move(cost_form), std::move(description), run,
                                           shape);
}

void rootedBroadcast(Communicator& comm, const CollArgs& args, RootedShape shape) {
  if (args.recv_count == 0) return;
  RootedPipeline(comm, args, shape).broadcast();
}

void rootedReduce(Communicator& comm, const CollArgs& args, RootedShape shape) {
  if (args.recv_count == 0) return;
  RootedPipeline(comm, args, shape).reduce();
}

}  // namespace collbench
