#include "transports/loopback/transport.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace collbench {

LoopbackFabric::LoopbackFabric(int size) : size_(size), inboxes_(size), dead_(size, false) {}

void LoopbackFabric::kill(int rank) {
  std::lock_guard<std::mutex> lock(mu_);
  dead_[rank] = true;
  failPendingWith(rank);
  cv_.notify_all();
}

void LoopbackFabric::dropSend(int src, int dst, int nth) {
  std::lock_guard<std::mutex> lock(mu_);
  drops_.push_back({src, dst, nth});
}

bool LoopbackFabric::takeDrop(int src, int dst) {
  for (auto it = drops_.begin(); it != drops_.end(); ++it) {
    if (it->src != src || it->dst != dst || --it->countdown > 0) continue;
    drops_.erase(it);
    return true;
  }
  return false;
}

void LoopbackFabric::failPendingWith(int dead_rank) {
  const std::string why = "rank " + std::to_string(dead_rank) + " (loopback) is dead";
  for (int r = 0; r < size_; ++r) {
    for (auto* queue : {&inboxes_[r].sends, &inboxes_[r].recvs}) {
      for (auto it = queue->begin(); it != queue->end();) {
        bool involved = r == dead_rank || it->src == dead_rank;
        if (involved) it->state->fail(why, true);
        it = involved ? queue->erase(it) : it + 1;
      }
    }
  }
}

LoopbackTransport::LoopbackTransport(std::shared_ptr<LoopbackFabric> fabric, int rank)
    : fabric_(std::move(fabric)), rank_(rank) {
  props_.name = "loopback";
}

std::unique_ptr<MemoryRegion> LoopbackTransport::registerMemory(void* data, std::size_t bytes,
                                                                MemoryKind kind) {
  if (kind != MemoryKind::kHost) throw TransportError("loopback transport moves host memory only");
  return std::make_unique<MemoryRegion>(data, bytes, kind);
}

namespace {

// Copies a matched send into its receive and completes both. Caller holds the fabric lock.
void deliver(const std::byte* src, std::size_t src_bytes, RequestState& send, std::byte* dst,
             std::size_t dst_bytes, RequestState& recv) {
  if (src_bytes > dst_bytes) {
    std::string why = "message of " + std::to_string(src_bytes) + " bytes does not fit a " +
                      std::to_string(dst_bytes) + "-byte receive";
    send.fail(why);
    recv.fail(why);
    return;
  }
  if (src_bytes > 0) std::memcpy(dst, src, src_bytes);
  send.complete();
  recv.complete();
}

}  // namespace

Request LoopbackTransport::postSend(int peer, Tag tag, const MemoryRegion& region,
                                    std::size_t offset, std::size_t bytes) {
  return post(OpKind::kSend, peer, tag, region.data() + offset, bytes);
}

Request LoopbackTransport::postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                                    std::size_t bytes) {
  return post(OpKind::kRecv, peer, tag, region.data() + offset, bytes);
}

// A send looks for a matching receive in the peer's inbox, a receive for a matching send in
// ours; whichever comes second copies the data and completes both.
Request LoopbackTransport::post(OpKind kind, int peer, Tag tag, std::byte* data,
                                std::size_t bytes) {
  checkPeer(peer, rank_, size());
  auto state = std::make_shared<RequestState>(kind, peer, tag, bytes);
  const bool sending = kind == OpKind::kSend;
  const int src = sending ? rank_ : peer;
  auto& inbox = fabric_->inboxes_[sending ? peer : rank_];
  std::lock_guard<std::mutex> lock(fabric_->mu_);
  if (fabric_->dead_[peer] || fabric_->dead_[rank_]) {
    state->fail("rank " + std::to_string(peer) + " (loopback) is dead", true);
    return Request(state);
  }
  if (sending && fabric_->takeDrop(rank_, peer)) {
    state->complete();  // lost on the way: the sender never knows
    return Request(state);
  }
  auto& waiting = sending ? inbox.recvs : inbox.sends;
  auto match = std::find_if(waiting.begin(), waiting.end(),
                            [&](const auto& w) { return w.src == src && w.tag == tag; });
  if (match == waiting.end()) {
    (sending ? inbox.sends : inbox.recvs).push_back({src, tag, data, bytes, state});
    return Request(state);
  }
  if (sending) {
    deliver(data, bytes, *state, match->data, match->bytes, *match->state);
  } else {
    deliver(match->data, match->bytes, *match->state, data, bytes, *state);
  }
  waiting.erase(match);
  fabric_->cv_.notify_all();
  return Request(state);
}

void LoopbackTransport::progressUntil(Request* reqs, std::size_t n, WaitFor until,
                                      Deadline deadline) {
  std::unique_lock<std::mutex> lock(fabric_->mu_);
  if (!fabric_->cv_.wait_until(lock, deadline, [&] { return satisfied(reqs, n, until); })) {
    const Request* pending = firstPending(reqs, n);
    throw TimeoutError("rank " + std::to_string(rank_) + ": timed out waiting for " +
                           describe(pending->state()) + " on host loopback",
                       pending->state().peer, pending->state().tag);
  }
  lock.unlock();
  throwIfAnyFailed(reqs, n, rank_);
}

}  // namespace collbench
