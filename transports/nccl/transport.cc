#include "transports/nccl/transport.h"

#include "transports/api/tag.h"

#include <thread>

namespace collbench {

struct NcclTransport::Op {
  OpKind kind;
  int lane;
  int peer;
  std::byte* data;
  std::size_t bytes;
  std::shared_ptr<RequestState> state;
};

namespace {

struct NcclRequestState : RequestState {
  using RequestState::RequestState;
  std::shared_ptr<NcclGroup> group;
};

}  // namespace

NcclTransport::NcclTransport(std::unique_ptr<NcclBackend> backend, int rank, int size)
    : backend_(std::move(backend)), rank_(rank), size_(size) {
  props_.name = "nccl";
  props_.grouped_completion = true;
  props_.provider = backend_->provider();
  props_.memory_kinds = backend_->memoryKinds();
}

NcclTransport::~NcclTransport() = default;

std::unique_ptr<MemoryRegion> NcclTransport::registerMemory(void* data, std::size_t bytes,
                                                            MemoryKind kind) {
  for (MemoryKind k : props_.memory_kinds) {
    if (k == kind) return std::make_unique<MemoryRegion>(data, bytes, kind);
  }
  throw TransportError("rank " + std::to_string(rank_) + ": the nccl transport cannot move " +
                       memoryKindName(kind) + " memory (NCCL moves CUDA memory: --memory cuda)");
}

void NcclTransport::checkRegion(const MemoryRegion& region, std::size_t offset,
                                std::size_t bytes) const {
  if (offset + bytes > region.bytes()) {
    throw TransportError("rank " + std::to_string(rank_) + ": operation of " +
                         std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                         " runs past its region of " + std::to_string(region.bytes()) + " bytes");
  }
}

Request NcclTransport::post(OpKind kind, int peer, Tag tag, const MemoryRegion& region,
                            std::size_t offset, std::size_t bytes) {
  checkPeer(peer, rank_, size_);
  checkRegion(region, offset, bytes);
  auto state = std::make_shared<NcclRequestState>(kind, peer, tag, bytes);
  const int lane = static_cast<int>(channelOf(tag) % static_cast<Tag>(backend_->lanes()));
  queued_.push_back({kind, lane, peer, region.data() + offset, bytes, state});
  return Request(state);
}

Request NcclTransport::postSend(int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
                                std::size_t bytes) {
  return post(OpKind::kSend, peer, tag, region, offset, bytes);
}

Request NcclTransport::postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                                std::size_t bytes) {
  return post(OpKind::kRecv, peer, tag, region, offset, bytes);
}

// Issues, as one group in posting order, every queued send and, of the queued receives, those
// waited for together with the receives queued before them on the same lane from the same
// peer (NCCL pairs in order). Other receives stay queued: issued now, they would hold the group,
// and every group after it on the stream, until a peer sends what it may send only later.
void NcclTransport::flush(const Request* reqs, std::size_t n) {
  std::vector<bool> now(queued_.size());
  for (std::size_t i = 0; i < queued_.size(); ++i) now[i] = queued_[i].kind == OpKind::kSend;
  for (std::size_t r = 0; r < n; ++r) {
    if (!reqs[r].valid()) continue;
    for (std::size_t i = queued_.size(); i-- > 0;) {
      if (queued_[i].state.get() != &reqs[r].state()) continue;
      // A waited send is issued with every send; receives posted ahead of it stay queued
      // (pairing is per direction, so a send never needs an earlier receive).
      if (queued_[i].kind != OpKind::kRecv) break;
      for (std::size_t j = 0; j <= i; ++j) {
        now[j] = now[j] || (queued_[j].lane == queued_[i].lane &&
                            queued_[j].peer == queued_[i].peer && queued_[j].kind == OpKind::kRecv);
      }
      break;
    }
  }
  issue(now);
}

void NcclTransport::issue(const std::vector<bool>& now) {
  std::vector<Op> later;
  bool any = false;
  for (std::size_t i = 0; i < queued_.size(); ++i) any = any || now[i];
  if (!any) return;
  backend_->begin();
  for (std::size_t i = 0; i < queued_.size(); ++i) {
    const Op& op = queued_[i];
    if (!now[i]) {
      later.push_back(op);
      continue;
    }
    void* data = op.bytes ? op.data : backend_->syncByte();
    const std::size_t bytes = op.bytes ? op.bytes : 1;
    if (op.kind == OpKind::kSend) {
      backend_->send(op.lane, op.peer, data, bytes);
    } else {
      backend_->recv(op.lane, op.peer, data, bytes);
    }
  }
  std::shared_ptr<NcclGroup> group = backend_->end();
  for (std::size_t i = 0; i < queued_.size(); ++i) {
    if (now[i]) static_cast<NcclRequestState&>(*queued_[i].state).group = group;
  }
  queued_ = std::move(later);
}

namespace {

// Marks the request done once its NCCL group has finished (or failed).
void poll(NcclRequestState& state) {
  if (state.done) return;
  try {
    if (state.group->done()) state.complete();
  } catch (const TransportError& e) {
    state.fail(e.what());
  }
}

}  // namespace

void NcclTransport::progressUntil(Request* reqs, std::size_t n, WaitFor until, Deadline deadline) {
  flush(reqs, n);
  for (unsigned spins = 0;; ++spins) {
    for (std::size_t i = 0; i < n; ++i) {
      if (reqs[i].valid()) poll(static_cast<NcclRequestState&>(reqs[i].state()));
    }
    if (satisfied(reqs, n, until)) break;
    if (Clock::now() > deadline) {
      const RequestState& state = firstPending(reqs, n)->state();
      throw TimeoutError("rank " + std::to_string(rank_) + ": timed out waiting for " +
                             describe(state) + " (its NCCL group is still running)",
                         state.peer, state.tag);
    }
    if (spins > 1000) std::this_thread::yield();
  }
  throwIfAnyFailed(reqs, n, rank_);
}

}  // namespace collbench
