// The transport interface: point-to-point, tagged, non-blocking messages between the ranks
// of one group. Collectives are written once against it.
//
// Threading: a transport instance belongs to one rank and is driven by one thread; no method
// may be called concurrently with another on the same instance.
// Matching: a receive posted for (peer, tag) matches the sends from that peer with that tag
// in the order they were posted (no overtaking), whatever the wire does underneath. The
// receive must be at least as large as the send.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "transports/api/errors.h"
#include "transports/api/memory.h"
#include "transports/api/request.h"

namespace collbench {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

struct TransportProps {
  std::string name;      // "tcp", "loopback", ...
  std::string provider;  // e.g. libfabric provider; empty where it does not apply
  std::vector<MemoryKind> memory_kinds{MemoryKind::kHost};
  double link_gbps = 0;  // nominal link speed in 10^9 bit/s; 0 when unknown
  // The NICs this rank's traffic leaves through, one per rail (libfabric: each endpoint's
  // domain, "rdmap16s27" for an EFA device); empty where the transport does not say.
  std::vector<std::string> devices;
  // Where this transport falls short of the contract below, known from testing (for example
  // a provider that truncates an oversized message without an error); empty when none. The
  // harness prints it as a note of the run.
  std::string limitations;
  // Operations flushed by one wait complete together, in order with the next flush (NCCL's
  // groups on a stream): waitAny answers no earlier than wait, and an algorithm must not post an
  // operation that depends on a later one of its peer's. Event-driven schedules (the tree) then
  // fall back to a fixed order.
  bool grouped_completion = false;
};

// What wait() waits for: every request, or the first to complete (event-driven algorithms
// such as the tree, which act on whichever message arrives first).
enum class WaitFor { kAll, kAny };

class Transport {
 public:
  virtual ~Transport() = default;

  virtual const TransportProps& props() const = 0;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Registers [data, data + bytes) for later sends and receives. Does not block on peers.
  // The caller keeps the memory alive while the returned region exists.
  virtual std::unique_ptr<MemoryRegion> registerMemory(void* data, std::size_t bytes,
                                                       MemoryKind kind) = 0;

  // Posts a send of region[offset, offset + bytes) to `peer`. Never blocks; the memory must
  // not change until the request completes. Zero-byte messages are allowed.
  virtual Request postSend(int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
                           std::size_t bytes) = 0;

  // Posts a receive into region[offset, offset + bytes) from `peer`. Never blocks; the memory
  // must not be read or written until the request completes. Post the size that will be sent:
  // a longer message fails on every transport, and a shorter one is not taken by all (NCCL
  // matches counts; libfabric cuts a message into pieces by size, with several rails or above
  // the provider's largest message, and each piece needs its receive).
  virtual Request postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                           std::size_t bytes) = 0;

  // Drives progress until every request in [reqs, reqs + n) is complete (kAll), or at least
  // one (kAny; see TransportProps::grouped_completion). Blocks. Throws TimeoutError naming the
  // first pending peer and tag if `deadline` passes, PeerError if a peer went away, TransportError
  // for any other failure of a completed request. Invalid (default-constructed) requests count as
  // complete.
  virtual void progressUntil(Request* reqs, std::size_t n, WaitFor until, Deadline deadline) = 0;

  // A promise from the caller: tags below `bound` will not be used again with any peer, and
  // every operation posted with them has completed. Transports that keep per-tag state (message
  // sequence numbers) drop it here, so that it does not grow with the number of calls.
  virtual void releaseTagsBelow(Tag bound) {}

  void wait(Request* reqs, std::size_t n, Deadline deadline) {
    progressUntil(reqs, n, WaitFor::kAll, deadline);
  }
  void wait(Request& req, Deadline deadline) { wait(&req, 1, deadline); }
  // Blocks until one of the n >= 1 requests completes; returns the index of a completed one
  // (the lowest). Throws as progressUntil does.
  std::size_t waitAny(Request* reqs, std::size_t n, Deadline deadline);
  std::size_t waitAny(std::vector<Request>& reqs, Deadline deadline) {
    return waitAny(reqs.data(), reqs.size(), deadline);
  }
  void wait(std::vector<Request>& reqs, Deadline deadline) {
    wait(reqs.data(), reqs.size(), deadline);
  }
};

// Shared helper for postSend/postRecv: throws TransportError unless `peer` is another rank of
// the group.
void checkPeer(int peer, int my_rank, int size);

// Shared helper for wait(): throws the error recorded on a failed request, if any.
void throwIfFailed(const Request& req, int my_rank);

// Shared helpers for progressUntil(): whether the requests satisfy `until`; the first request
// still pending (nullptr when none); the error of any completed request that failed.
bool satisfied(const Request* reqs, std::size_t n, WaitFor until);
const Request* firstPending(const Request* reqs, std::size_t n);
void throwIfAnyFailed(const Request* reqs, std::size_t n, int my_rank);

// Text such as "recv from rank 3 tag 0x1002" for messages.
std::string describe(const RequestState& state);

}  // namespace collbench
