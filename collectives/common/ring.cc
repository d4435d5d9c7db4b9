// Every chunk travels in segments, and receives are posted `segments_in_flight` segments
// ahead into scratch slots (reduce-scatter) or straight into place (all-gather): while segment
// j is being reduced, segments j+1.. are already on the wire, and segment j of the next step
// can leave as soon as its reduction is done.
#include "collectives/common/ring.h"

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "collectives/patterns/ring.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

constexpr Tag kReduceScatterChannel = 1;
constexpr Tag kAllGatherChannel = 2;

class RingRun {
 public:
  RingRun(Communicator& comm, const RingBuffers& b)
      : comm_(comm),
        tr_(comm.transport()),
        ops_(memoryOps(comm)),
        b_(b),
        rank_(comm.rank()),
        n_(comm.size()),
        esize_(dtypeSize(b.dtype)),
        seg_(std::max<std::size_t>(1, comm.options().segment_bytes / esize_)),
        slots_(std::max(1, comm.options().segments_in_flight)),
        segs_per_chunk_(segmentCount(evenChunk(b.count, n_, 0).size(), seg_)),
        in_(comm.buffer(b.in, b.count * esize_)),
        out_(comm.buffer(b.out, b.count * esize_)),
        scratch_(comm.scratch(static_cast<std::size_t>(slots_) * seg_ * esize_)),
        tag_(comm.nextTagBase()) {}

  void reduceScatter() {
    if (n_ == 1 && b_.in != b_.out) ops_.copy(b_.out, b_.in, b_.count * esize_);
    std::deque<Request> ahead;
    std::size_t posted = 0;
    for (std::size_t item = 0; item < items(); ++item) {
      for (; posted < std::min(items(), item + slots_); ++posted) {
        ahead.push_back(postReduceScatterRecv(posted));
      }
      const int s = stepOf(item);
      // Step 0 sends our own input; later steps send what the previous step reduced.
      send(s == 0 ? in_ : out_,
           segment(ringReduceScatterSendChunk(rank_, n_, s, b_.shift), segOf(item)),
           kReduceScatterChannel);
      waitFor(ahead.front(), "reduce-scatter", item);
      ahead.pop_front();
      reduceReceived(item);
    }
    waitSends();
  }

  void allGather() {
    auto recv_range = [&](std::size_t item) {
      return segment(ringAllGatherRecvChunk(rank_, n_, stepOf(item), b_.shift), segOf(item));
    };
    std::deque<Request> ahead;
    std::size_t posted = 0;
    for (std::size_t item = 0; item < items(); ++item) {
      for (; posted < std::min(items(), item + slots_); ++posted) {
        Range r = recv_range(posted);
        ahead.push_back(recv(out_.region, out_.base + r.begin * esize_, r, kAllGatherChannel));
      }
      // The chunk sent at step s is the one owned on entry (s = 0) or received at step s-1,
      // so it is complete here.
      send(out_, segment(ringAllGatherSendChunk(rank_, n_, stepOf(item), b_.shift), segOf(item)),
           kAllGatherChannel);
      waitFor(ahead.front(), "all-gather", item);
      ahead.pop_front();
    }
    waitSends();
  }

 private:
  Range segment(int chunk, std::size_t j) const {
    return segmentOf(evenChunk(b_.count, n_, chunk), seg_, j);
  }
  int steps() const { return n_ - 1; }
  std::size_t items() const { return static_cast<std::size_t>(steps()) * segs_per_chunk_; }
  int stepOf(std::size_t item) const { return static_cast<int>(item / segs_per_chunk_); }
  std::size_t segOf(std::size_t item) const { return item % segs_per_chunk_; }
  std::byte* scratchSlot(std::size_t item) {
    return scratch_.data() + (item % slots_) * seg_ * esize_;
  }

  void send(const RegisteredBuffer& from, Range r, Tag channel) {
    if (r.empty()) return;
    sends_.push_back(tr_.postSend(ringNext(rank_, n_), withChannel(tag_, channel), from.region,
                                  from.base + r.begin * esize_, r.size() * esize_));
  }

  Request recv(MemoryRegion& into, std::size_t offset, Range r, Tag channel) {
    if (r.empty()) return Request();
    return tr_.postRecv(ringPrev(rank_, n_), withChannel(tag_, channel), into, offset,
                        r.size() * esize_);
  }

  void waitFor(Request& req, const char* phase, std::size_t item) {
    if (!req.valid()) return;
    waitAt([&] { tr_.wait(req, comm_.deadline()); },
           [&] {
             return std::string("ring ") + phase + " step " + std::to_string(stepOf(item) + 1) +
                    " of " + std::to_string(steps()) + ", segment " + std::to_string(segOf(item));
           });
  }

  void waitSends() {
    std::vector<Request> all(sends_.begin(), sends_.end());
    tr_.wait(all, comm_.deadline());
    sends_.clear();
  }

  Range rsRecvRange(std::size_t item) const {
    return segment(ringReduceScatterRecvChunk(rank_, n_, stepOf(item), b_.shift), segOf(item));
  }

  Request postReduceScatterRecv(std::size_t item) {
    auto offset = static_cast<std::size_t>(scratchSlot(item) - scratch_.data());
    return recv(scratch_, offset, rsRecvRange(item), kReduceScatterChannel);
  }

  void reduceReceived(std::size_t item) {
    const Range r = rsRecvRange(item);
    if (r.empty()) return;
    std::byte* dst = out_.data() + r.begin * esize_;
    ops_.reduce(b_.dtype, b_.op, dst, in_.data() + r.begin * esize_, scratchSlot(item), r.size());
    if (b_.op == ReduceOp::kAvg && stepOf(item) == steps() - 1) {
      ops_.finishAverage(b_.dtype, dst, r.size(), n_);
    }
  }

  Communicator& comm_;
  Transport& tr_;
  const MemoryOps& ops_;
  const RingBuffers& b_;
  const int rank_, n_;
  const std::size_t esize_, seg_;
  const int slots_;
  const std::size_t segs_per_chunk_;  // of the largest chunk; smaller chunks skip empty ones
  const RegisteredBuffer in_;
  const RegisteredBuffer out_;
  MemoryRegion& scratch_;
  const Tag tag_;
  std::deque<Request> sends_;
};

}  // namespace

void ringReduceScatterPhase(Communicator& comm, const RingBuffers& b) {
  RingRun(comm, b).reduceScatter();
}

void ringAllGatherPhase(Communicator& comm, const RingBuffers& b) { RingRun(comm, b).allGather(); }

}  // namespace collbench
