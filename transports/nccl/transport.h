// The Transport interface over NCCL's point-to-point (ncclSend/ncclRecv): CUDA buffers over
// NVLink within a node, and InfiniBand or EFA (through aws-ofi-nccl) between nodes.
//
// NCCL has no tags: it pairs the n-th send from A to B with the n-th receive on B from A, and
// runs the operations of one group (ncclGroupStart/End) together, each group after the
// previous one on the communicator's stream. This transport maps our (peer, tag) matching onto
// that:
//   - Posts are queued. wait() issues, as one group in posting order, every queued send and
//     the receives it waits for (with those queued before them from the same peer and lane),
//     then records a completion (a CUDA event) behind the group. Receives posted ahead stay
//     queued until waited for: a group holds the stream until all its operations are done, so
//     a receive issued before its sender has posted would stall every group behind it, and the
//     peer, whose send comes only after our next group, would wait for ever.
//   - Each tag goes to one of kNcclLanes communicators by its low 16 bits (the channel an
//     algorithm puts there), so that channels a call uses at once match independently; within
//     a lane, sends and receives between two ranks pair in posting order. That holds for every
//     algorithm that, per pair and channel, posts in the same order on both sides, which the
//     (peer, tag) contract of transport.h already requires, and that finishes a call's
//     operations before the next call (every collective here does).
//   - A receive must be exactly as large as its send (NCCL's rule, stricter than transport.h);
//     zero-byte messages travel as one byte, so that they still synchronise (barriers).
// The NCCL calls sit behind NcclBackend, so that tests can run the same transport over a
// simulated NCCL on the CPU (simulated.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "transports/api/bootstrap.h"
#include "transports/api/transport.h"

namespace collbench {

constexpr int kNcclLanes = 4;

// Completion of one issued group.
class NcclGroup {
 public:
  virtual ~NcclGroup() = default;
  // True once every operation of the group is done; does not block. Throws TransportError
  // when the group failed (NCCL's asynchronous error, a CUDA error).
  virtual bool done() = 0;
};

// What the transport needs of NCCL. One instance per rank, driven by that rank's thread.
class NcclBackend {
 public:
  virtual ~NcclBackend() = default;
  virtual int lanes() const = 0;
  virtual std::vector<MemoryKind> memoryKinds() const = 0;
  virtual std::string provider() const = 0;  // "NCCL 2.28.3", for the result file
  // Between begin() and end(): the operations of one group, in order.
  virtual void begin() = 0;
  virtual void send(int lane, int peer, const void* data, std::size_t bytes) = 0;
  virtual void recv(int lane, int peer, void* data, std::size_t bytes) = 0;
  virtual std::shared_ptr<NcclGroup> end() = 0;
  // One byte of memory the operations can use for zero-byte messages.
  virtual void* syncByte() = 0;
};

class NcclTransport : public Transport {
 public:
  NcclTransport(std::unique_ptr<NcclBackend> backend, int rank, int size);
  ~NcclTransport() override;

  const TransportProps& props() const override { return props_; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::unique_ptr<MemoryRegion> registerMemory(void* data, std::size_t bytes,
                                               MemoryKind kind) override;
  Request postSend(int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  Request postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  void progressUntil(Request* reqs, std::size_t n, WaitFor until, Deadline deadline) override;

 private:
  struct Op;
  Request post(OpKind kind, int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
               std::size_t bytes);
  void flush(const Request* reqs, std::size_t n);
  void issue(const std::vector<bool>& now);
  void checkRegion(const MemoryRegion& region, std::size_t offset, std::size_t bytes) const;

  std::unique_ptr<NcclBackend> backend_;
  const int rank_, size_;
  TransportProps props_;
  std::vector<Op> queued_;
};

// The real NCCL: kNcclLanes communicators over the ranks of `boot` (ncclGetUniqueId on rank 0,
// shared through the bootstrap), one CUDA stream, CUDA events for completion. Uses the calling
// thread's current CUDA device. Collective over boot. Throws TransportError naming NCCL's
// error. Built only with NCCL; elsewhere it throws TransportError saying so.
std::unique_ptr<NcclBackend> makeNcclBackend(Bootstrap& boot);

// "2.28.3", or empty when collbench was built without NCCL.
std::string ncclLibraryVersion();

}  // namespace collbench
