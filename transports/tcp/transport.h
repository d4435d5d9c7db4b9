// TCP transport: one or more sockets per peer, non-blocking, driven by an epoll progress
// engine inside wait(). Messages are cut into chunks that are spread round-robin over the
// peer's sockets, so several are in flight at once; every chunk carries (tag, sequence,
// offset), so the receiver places it without relying on the order chunks arrive across
// sockets. Headers and payloads of up to 4 KiB are read through a small per-socket buffer, so a
// small message costs one recv; longer payloads go from the socket to their destination. A
// small message alone in its socket's queue leaves in one send, its header copied beside it.
//
// Connections: every rank listens on an ephemeral port of the chosen address; endpoints and a
// job token are exchanged through the bootstrap. The lower rank of a pair connects, on its
// first operation with that peer (that one call may block for up to connect_timeout), and
// presents the token; the listener drops anything else. Connections are made only to the
// peers an algorithm talks to.
//
// Waiting: wait() polls without sleeping for `spin` (a small receive by reading its peer's
// sockets directly, with an epoll_wait every 16th turn; anything else through epoll), then
// polls epoll yielding the core for `yield`, then blocks in epoll_wait, so a run with more
// ranks than cores does not burn the cores it shares.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "transports/api/bootstrap.h"
#include "transports/api/transport.h"

namespace collbench {

struct TcpOptions {
  // IPv4 address or interface name to listen on. Empty: 127.0.0.1 when every rank runs on
  // the same host, else tcp::firstExternalAddress().
  std::string address;
  int streams = 1;                                  // sockets per peer
  std::size_t chunk_bytes = std::size_t{64} << 10;  // messages travel in chunks of this size
  int socket_buffer_bytes = 4 << 20;   // SO_SNDBUF/SO_RCVBUF; 0 keeps kernel autotuning
  std::chrono::microseconds spin{50};  // busy-poll this long before blocking
  // Then poll this long with sched_yield() between polls, before blocking: on a host with more
  // ranks than cores the rank we wait for gets the core at once, and nobody pays the wake-up
  // of a sleeping process (milliseconds on a virtual machine whose idle vCPU halts).
  std::chrono::microseconds yield{0};
  std::chrono::milliseconds connect_timeout{30000};
};

class TcpTransport : public Transport {
 public:
  // Collective over `boot`: every rank constructs its transport at the same time.
  TcpTransport(Bootstrap& boot, TcpOptions options);
  ~TcpTransport() override;

  const TransportProps& props() const override;
  int rank() const override;
  int size() const override;
  std::unique_ptr<MemoryRegion> registerMemory(void* data, std::size_t bytes,
                                               MemoryKind kind) override;
  Request postSend(int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  Request postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  void progressUntil(Request* reqs, std::size_t n, WaitFor until, Deadline deadline) override;
  void releaseTagsBelow(Tag bound) override;
  using Transport::wait;

  // The address this rank listens on, and the number of connections rejected so far.
  std::string listenAddress() const;
  std::size_t rejectedConnections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace collbench
