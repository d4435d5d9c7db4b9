// In-process transport: every rank is a thread of one process, messages are memcpy'd under a
// lock. It exists so that algorithms can be tested at any rank count without a network, and
// so that faults (a rank dying) can be injected deterministically.
//
// Sends are rendezvous: a send completes only when a matching receive has taken the data.
// That is stricter than any real transport, so an algorithm that waits on a send before
// posting the receive its peer needs deadlocks here instead of passing by luck.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "transports/api/bootstrap.h"
#include "transports/api/transport.h"

namespace collbench {

// State shared by the ranks of one loopback group.
class LoopbackFabric {
 public:
  explicit LoopbackFabric(int size);
  int size() const { return size_; }
  // Fault injection: the rank stops existing. Its peers' pending and future operations with it
  // fail with PeerError. Thread-safe.
  void kill(int rank);
  // Fault injection: the `nth` send (counting from 1) from `src` to `dst` posted after this call
  // completes at the sender but never arrives, as if the network lost it. Thread-safe.
  void dropSend(int src, int dst, int nth = 1);

 private:
  friend class LoopbackTransport;
  struct Pending {
    int src;
    Tag tag;
    std::byte* data;
    std::size_t bytes;
    std::shared_ptr<RequestState> state;
  };
  struct Inbox {
    std::deque<Pending> sends;  // sends to this rank that no receive has matched yet
    std::deque<Pending> recvs;  // receives posted by this rank, not yet matched
  };
  void failPendingWith(int dead_rank);

  int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Inbox> inboxes_;
  std::vector<bool> dead_;
  struct Drop {
    int src, dst, countdown;
  };
  std::vector<Drop> drops_;
  // Whether this send is to be lost (consumes the injection). Caller holds mu_.
  bool takeDrop(int src, int dst);
};

class LoopbackTransport : public Transport {
 public:
  LoopbackTransport(std::shared_ptr<LoopbackFabric> fabric, int rank);

  const TransportProps& props() const override { return props_; }
  int rank() const override { return rank_; }
  int size() const override { return fabric_->size(); }
  std::unique_ptr<MemoryRegion> registerMemory(void* data, std::size_t bytes,
                                               MemoryKind kind) override;
  Request postSend(int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  Request postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  void progressUntil(Request* reqs, std::size_t n, WaitFor until, Deadline deadline) override;
  using Transport::wait;

 private:
  Request post(OpKind kind, int peer, Tag tag, std::byte* data, std::size_t bytes);

  std::shared_ptr<LoopbackFabric> fabric_;
  int rank_;
  TransportProps props_;
};

}  // namespace collbench
