// Ring all-reduce: reduce-scatter then all-gather around the ring 0 -> 1 -> ... -> n-1 -> 0.
// The buffer is cut into n chunks; in n-1 reduce-scatter steps each rank reduces one incoming
// chunk into its own, after which rank r holds the full result of chunk r+1; n-1 all-gather
// steps then pass the finished chunks on. Each rank sends 2(n-1)/n of the buffer, which is the
// lower bound for all-reduce (Patarasuk and Yuan 2009).
//
// Every chunk travels in segments, and receives are posted `segments_in_flight` segments
// ahead into scratch slots: while segment j is being reduced, segments j+1.. are already on
// the wire, and segment j of the next step can leave as soon as its reduction is done.
#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "collectives/allreduce/allreduce.h"
#include "collectives/patterns/ring.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

constexpr Tag kReduceScatterChannel = 1;
constexpr Tag kAllGatherChannel = 2;

class RingRun {
 public:
  RingRun(Communicator& comm, const CollArgs& args)
      : comm_(comm),
        tr_(comm.transport()),
        ops_(memoryOps(comm)),
        args_(args),
        rank_(comm.rank()),
        n_(comm.size()),
        esize_(dtypeSize(args.dtype)),
        seg_(std::max<std::size_t>(1, comm.options().segment_bytes / esize_)),
        slots_(std::max(1, comm.options().segments_in_flight)),
        segs_per_chunk_(segmentCount(evenChunk(args.count, n_, 0).size(), seg_)),
        in_(comm.buffer(args.send, args.bytes())),
        out_(comm.buffer(args.recv, args.bytes())),
        scratch_(comm.scratch(static_cast<std::size_t>(slots_) * seg_ * esize_)),
        tag_(comm.nextTagBase()) {}

  void run() {
    reduceScatterOnly();  // all-gather overwrites chunks that reduce-scatter sent from
    allGatherOnly();
  }

  void reduceScatterOnly() {
    if (n_ == 1 && !args_.inPlace()) ops_.copy(args_.recv, args_.send, args_.bytes());
    reduceScatter();
    waitSends();
  }

  void allGatherOnly() {
    allGather();
    waitSends();
  }

 private:
  Range segment(int chunk, std::size_t j) const {
    return segmentOf(evenChunk(args_.count, n_, chunk), seg_, j);
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
    sends_.push_back(tr_.postSend(ringNext(rank_, n_), tag_ | channel, from.region,
                                  from.base + r.begin * esize_, r.size() * esize_));
  }

  Request recv(MemoryRegion& into, std::size_t offset, Range r, Tag channel) {
    if (r.empty()) return Request();
    return tr_.postRecv(ringPrev(rank_, n_), tag_ | channel, into, offset, r.size() * esize_);
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
    return segment(ringReduceScatterRecvChunk(rank_, n_, stepOf(item)), segOf(item));
  }

  Request postReduceScatterRecv(std::size_t item) {
    auto offset = static_cast<std::size_t>(scratchSlot(item) - scratch_.data());
    return recv(scratch_, offset, rsRecvRange(item), kReduceScatterChannel);
  }

  void reduceScatter() {
    std::deque<Request> ahead;
    std::size_t posted = 0;
    for (std::size_t item = 0; item < items(); ++item) {
      for (; posted < std::min(items(), item + slots_); ++posted) {
        ahead.push_back(postReduceScatterRecv(posted));
      }
      const int s = stepOf(item);
      // Step 0 sends our own input; later steps send what the previous step reduced.
      send(s == 0 ? in_ : out_, segment(ringReduceScatterSendChunk(rank_, n_, s), segOf(item)),
           kReduceScatterChannel);
      waitFor(ahead.front(), "reduce-scatter", item);
      ahead.pop_front();
      reduceReceived(item);
    }
  }

  void reduceReceived(std::size_t item) {
    const Range r = rsRecvRange(item);
    if (r.empty()) return;
    std::byte* dst = out_.data() + r.begin * esize_;
    ops_.reduce(args_.dtype, args_.op, dst, in_.data() + r.begin * esize_, scratchSlot(item),
                r.size());
    if (args_.op == ReduceOp::kAvg && stepOf(item) == steps() - 1) {
      ops_.finishAverage(args_.dtype, dst, r.size(), n_);
    }
  }

  void allGather() {
    auto recv_range = [&](std::size_t item) {
      return segment(ringAllGatherRecvChunk(rank_, n_, stepOf(item)), segOf(item));
    };
    std::deque<Request> ahead;
    std::size_t posted = 0;
    for (std::size_t item = 0; item < items(); ++item) {
      for (; posted < std::min(items(), item + slots_); ++posted) {
        Range r = recv_range(posted);
        ahead.push_back(recv(out_.region, out_.base + r.begin * esize_, r, kAllGatherChannel));
      }
      // The chunk sent at step s is the one finished by reduce-scatter (s = 0) or received at
      // step s-1, so it is complete here.
      send(out_, segment(ringAllGatherSendChunk(rank_, n_, stepOf(item)), segOf(item)),
           kAllGatherChannel);
      waitFor(ahead.front(), "all-gather", item);
      ahead.pop_front();
    }
  }

  Communicator& comm_;
  Transport& tr_;
  const MemoryOps& ops_;
  const CollArgs& args_;
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

class RingAllreduce : public Algorithm {
 public:
  std::string name() const override { return "ring"; }
  std::string description() const override {
    return "ring reduce-scatter + all-gather, pipelined in segments; sends 2(n-1)/n of the "
           "buffer per rank (bandwidth-optimal)";
  }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }
  void run(Communicator& comm, const CollArgs& args) override {
    if (allreduceTrivially(comm, args)) return;
    RingRun(comm, args).run();
  }
};

}  // namespace

void ringReduceScatter(Communicator& comm, const CollArgs& args) {
  RingRun(comm, args).reduceScatterOnly();
}

void ringAllGather(Communicator& comm, const CollArgs& args) {
  RingRun(comm, args).allGatherOnly();
}

std::unique_ptr<Algorithm> makeRingAllreduce() { return std::make_unique<RingAllreduce>(); }

}  // namespace collbench
