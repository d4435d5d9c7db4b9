// CUDA buffers over a transport that moves only host memory (TCP; libfabric without FI_HMEM):
// every device region gets a mirror in pinned host memory, registered with the inner
// transport. A send copies its bytes device -> mirror, then sends from the mirror; a receive
// lands in the mirror and is copied mirror -> device when it is waited for. The copies are
// inside each call, so their cost is in the timed numbers; the result file says the run was
// staged (TransportProps::provider). Host regions pass straight through.
#pragma once

#include <map>
#include <memory>

#include "transports/api/transport.h"

namespace collbench {

// The copies staging needs. Blocking; either side of copy() may be device or host memory.
class StagingCopier {
 public:
  virtual ~StagingCopier() = default;
  virtual std::shared_ptr<std::byte> allocateHost(std::size_t bytes) = 0;  // pinned
  virtual void copy(void* dst, const void* src, std::size_t bytes) = 0;
};

class StagingTransport : public Transport {
 public:
  StagingTransport(std::unique_ptr<Transport> inner, std::unique_ptr<StagingCopier> copier);

  const TransportProps& props() const override { return props_; }
  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  std::unique_ptr<MemoryRegion> registerMemory(void* data, std::size_t bytes,
                                               MemoryKind kind) override;
  Request postSend(int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  Request postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  void progressUntil(Request* reqs, std::size_t n, WaitFor until, Deadline deadline) override;
  void releaseTagsBelow(Tag bound) override { inner_->releaseTagsBelow(bound); }

 private:
  struct CopyBack {
    std::byte* device;
    const std::byte* host;
    std::size_t bytes;
  };
  std::unique_ptr<Transport> inner_;
  std::unique_ptr<StagingCopier> copier_;
  TransportProps props_;
  std::map<const RequestState*, CopyBack> copy_backs_;  // staged receives not yet waited for
};

}  // namespace collbench
