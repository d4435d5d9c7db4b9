#include "transports/staging/transport.h"

namespace collbench {
namespace {

// A device region: the caller's device memory, and its registered host mirror.
class StagedRegion : public MemoryRegion {
 public:
  StagedRegion(void* data, std::size_t bytes, std::shared_ptr<std::byte> mirror,
               std::unique_ptr<MemoryRegion> inner)
      : MemoryRegion(data, bytes, MemoryKind::kCuda),
        mirror_(std::move(mirror)),
        inner_(std::move(inner)) {}
  std::byte* mirror() const { return mirror_.get(); }
  MemoryRegion& inner() const { return *inner_; }

 private:
  std::shared_ptr<std::byte> mirror_;
  std::unique_ptr<MemoryRegion> inner_;
};

const StagedRegion* staged(const MemoryRegion& region) {
  return dynamic_cast<const StagedRegion*>(&region);
}

}  // namespace

StagingTransport::StagingTransport(std::unique_ptr<Transport> inner,
                                   std::unique_ptr<StagingCopier> copier)
    : inner_(std::move(inner)), copier_(std::move(copier)), props_(inner_->props()) {
  props_.provider += std::string(props_.provider.empty() ? "" : ", ") +
                     "CUDA buffers staged through pinned host memory";
  props_.memory_kinds = {MemoryKind::kHost, MemoryKind::kCuda};
}

std::unique_ptr<MemoryRegion> StagingTransport::registerMemory(void* data, std::size_t bytes,
                                                               MemoryKind kind) {
  if (kind != MemoryKind::kCuda) return inner_->registerMemory(data, bytes, kind);
  auto mirror = copier_->allocateHost(bytes);
  auto inner = inner_->registerMemory(mirror.get(), bytes, MemoryKind::kHost);
  return std::make_unique<StagedRegion>(data, bytes, std::move(mirror), std::move(inner));
}

Request StagingTransport::postSend(int peer, Tag tag, const MemoryRegion& region,
                                   std::size_t offset, std::size_t bytes) {
  const StagedRegion* s = staged(region);
  if (!s) return inner_->postSend(peer, tag, region, offset, bytes);
  if (offset + bytes > s->bytes()) {
    throw TransportError("rank " + std::to_string(rank()) + ": send past the end of its region");
  }
  copier_->copy(s->mirror() + offset, s->data() + offset, bytes);
  return inner_->postSend(peer, tag, s->inner(), offset, bytes);
}

Request StagingTransport::postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                                   std::size_t bytes) {
  const StagedRegion* s = staged(region);
  if (!s) return inner_->postRecv(peer, tag, region, offset, bytes);
  Request req = inner_->postRecv(peer, tag, s->inner(), offset, bytes);
  copy_backs_[&req.state()] = {s->data() + offset, s->mirror() + offset, bytes};
  return req;
}

void StagingTransport::progressUntil(Request* reqs, std::size_t n, WaitFor until,
                                     Deadline deadline) {
  inner_->progressUntil(reqs, n, until, deadline);
  for (std::size_t i = 0; i < n; ++i) {
    if (!reqs[i].valid() || !reqs[i].done()) continue;
    auto it = copy_backs_.find(&reqs[i].state());
    if (it == copy_backs_.end()) continue;
    copier_->copy(it->second.device, it->second.host, it->second.bytes);
    copy_backs_.erase(it);
  }
}

}  // namespace collbench
