#include "transports/nccl/simulated.h"

#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

namespace collbench {
namespace {

struct SimOp {
  OpKind kind;
  int lane, peer;
  std::byte* data;
  std::size_t bytes;
  std::uint64_t ordinal;  // among this rank's ops of this kind, lane and peer
  bool done = false;
  std::string error;
};

struct SimGroup : NcclGroup {
  explicit SimGroup(std::weak_ptr<SimulatedNcclFabric> f) : fabric(std::move(f)) {}
  bool done() override;
  // Weak: the fabric's streams hold their groups, so a strong pointer back would be a cycle
  // that leaks every group left unfinished (a deadlocked test, an aborted run).
  std::weak_ptr<SimulatedNcclFabric> fabric;
  std::vector<SimOp> ops;
  bool finished = false;
  std::string error;
};

}  // namespace

class SimulatedNcclFabric {
 public:
  SimulatedNcclFabric(int ranks, int lanes) : lanes_(lanes), streams_(ranks) {}
  int lanes() const { return lanes_; }

  void enqueue(int rank, std::shared_ptr<SimGroup> group) {
    std::lock_guard<std::mutex> lock(mu_);
    for (SimOp& op : group->ops) {
      op.ordinal = next_ordinal_[std::make_tuple(rank, op.kind, op.lane, op.peer)]++;
    }
    streams_[rank].push_back(std::move(group));
    progress();
  }

  bool poll(const SimGroup& group) {
    std::lock_guard<std::mutex> lock(mu_);
    progress();
    if (!group.error.empty()) throw TransportError("simulated NCCL: " + group.error);
    return group.finished;
  }

 private:
  SimOp* partnerOf(int rank, const SimOp& op) {
    auto& stream = streams_[op.peer];
    if (stream.empty()) return nullptr;
    const OpKind want = op.kind == OpKind::kSend ? OpKind::kRecv : OpKind::kSend;
    for (SimOp& other : stream.front()->ops) {
      if (other.kind == want && other.lane == op.lane && other.peer == rank &&
          other.ordinal == op.ordinal)
        return &other;
    }
    return nullptr;
  }

  void transfer(SimOp& op, SimOp& partner) {
    SimOp& send = op.kind == OpKind::kSend ? op : partner;
    SimOp& recv = op.kind == OpKind::kSend ? partner : op;
    if (send.bytes != recv.bytes) {
      const std::string e = "message of " + std::to_string(send.bytes) + " bytes " +
                            (send.bytes > recv.bytes ? "does not fit" : "is smaller than") +
                            " the receive of " + std::to_string(recv.bytes) +
                            " bytes (NCCL needs equal counts)";
      send.error = recv.error = e;
    } else if (send.bytes) {
      std::memcpy(recv.data, send.data, send.bytes);
    }
    send.done = recv.done = true;
  }

  // Pairs the operations of the groups at the heads of the streams; retires finished groups.
  void progress() {
    for (bool moved = true; moved;) {
      moved = false;
      for (int rank = 0; rank < static_cast<int>(streams_.size()); ++rank) {
        auto& stream = streams_[rank];
        if (stream.empty()) continue;
        SimGroup& head = *stream.front();
        bool all_done = true;
        for (SimOp& op : head.ops) {
          if (!op.done) {
            if (SimOp* partner = partnerOf(rank, op)) transfer(op, *partner), moved = true;
          }
          all_done = all_done && op.done;
          if (!op.error.empty()) head.error = op.error;
        }
        if (all_done) head.finished = true, stream.pop_front(), moved = true;
      }
    }
  }

  const int lanes_;
  std::mutex mu_;
  std::vector<std::deque<std::shared_ptr<SimGroup>>> streams_;
  std::map<std::tuple<int, OpKind, int, int>, std::uint64_t> next_ordinal_;
};

namespace {

bool SimGroup::done() {
  auto alive = fabric.lock();
  if (!alive)
    throw TransportError("simulated NCCL: the fabric was destroyed with this group pending");
  if (alive->poll(*this)) return true;
  // The simulation moves data only when some rank polls; a real group runs on its own. Give
  // the core to the ranks whose half of the exchange is still to be posted.
  std::this_thread::yield();
  return false;
}

class SimulatedBackend : public NcclBackend {
 public:
  SimulatedBackend(std::shared_ptr<SimulatedNcclFabric> fabric, int rank)
      : fabric_(std::move(fabric)), rank_(rank) {}
  int lanes() const override { return fabric_->lanes(); }
  std::vector<MemoryKind> memoryKinds() const override { return {MemoryKind::kHost}; }
  std::string provider() const override { return "simulated NCCL"; }
  void begin() override { group_ = std::make_shared<SimGroup>(fabric_); }
  void send(int lane, int peer, const void* data, std::size_t bytes) override {
    group_->ops.push_back({OpKind::kSend,
                           lane,
                           peer,
                           static_cast<std::byte*>(const_cast<void*>(data)),
                           bytes,
                           0,
                           false,
                           {}});
  }
  void recv(int lane, int peer, void* data, std::size_t bytes) override {
    group_->ops.push_back(
        {OpKind::kRecv, lane, peer, static_cast<std::byte*>(data), bytes, 0, false, {}});
  }
  std::shared_ptr<NcclGroup> end() override {
    fabric_->enqueue(rank_, group_);
    return std::move(group_);
  }
  void* syncByte() override { return &sync_byte_; }

 private:
  std::shared_ptr<SimulatedNcclFabric> fabric_;
  const int rank_;
  std::shared_ptr<SimGroup> group_;
  std::byte sync_byte_{};
};

}  // namespace

std::shared_ptr<SimulatedNcclFabric> makeSimulatedNcclFabric(int ranks, int lanes) {
  return std::make_shared<SimulatedNcclFabric>(ranks, lanes);
}

std::unique_ptr<NcclBackend> makeSimulatedNcclBackend(std::shared_ptr<SimulatedNcclFabric> fabric,
                                                      int rank) {
  return std::make_unique<SimulatedBackend>(std::move(fabric), rank);
}

}  // namespace collbench
