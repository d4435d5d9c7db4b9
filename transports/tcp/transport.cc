#include "transports/tcp/transport.h"

#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include "transports/api/tag_sequences.h"
#include "transports/tcp/socket.h"

namespace collbench {
namespace {

constexpr std::uint32_t kHelloMagic = 0x43425431;  // "CBT1"
constexpr std::uint32_t kChunkMagic = 0x43424348;  // "CBCH"
constexpr int kMaxIov = 64;
// What epoll watches on a connected stream (edge-triggered).
constexpr std::uint32_t kStreamEvents = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
// The events that say the peer has closed or the connection broke.
constexpr std::uint32_t kPeerGone = EPOLLRDHUP | EPOLLHUP | EPOLLERR;

// First bytes on every connection, from the connecting (lower) rank.
struct Hello {
  std::uint32_t magic;
  std::uint32_t rank;
  std::uint32_t stream;
  std::uint32_t streams;
  std::uint64_t token;
};

// Precedes every chunk of a message.
struct ChunkHeader {
  std::uint64_t tag;
  std::uint64_t seq;     // n-th message with this tag from this sender to this receiver
  std::uint64_t offset;  // of this chunk within the message
  std::uint64_t total;   // message size
  std::uint32_t bytes;   // of this chunk
  std::uint32_t magic;
};

// A stream reads through a buffer this large while it expects a header or a short rest of a
// payload: a message of up to 4 KiB arrives with its header in one recv (which comes back
// short of the buffer, so it is known to have emptied the socket), as do several small
// messages in a row. A longer payload goes from the socket straight to its destination, so at
// most this much of a chunk is copied twice.
constexpr std::size_t kRecvBuffer = 4096 + 256;

// What each rank publishes through the bootstrap.
struct EndpointInfo {
  char ip[48];
  char host[64];
  std::uint16_t port;
};

struct SendState : RequestState {
  using RequestState::RequestState;
  std::size_t chunks_left = 0;
};

struct OutChunk {
  ChunkHeader header;
  const std::byte* data;
  std::size_t written = 0;  // of header + payload
  std::shared_ptr<SendState> req;
  std::size_t size() const { return sizeof header + header.bytes; }
};

// A message being received: matched to a posted receive, or (unexpected) buffered until one is
// posted.
struct Inbound {
  std::shared_ptr<RequestState> req;  // null while unexpected
  std::byte* dst = nullptr;
  std::size_t capacity = 0;
  std::vector<std::byte> buffer;  // holds the data of an unexpected message (size >= total)
  bool buffered = false;
  std::size_t total = 0;
  std::size_t received = 0;
  bool header_seen = false;
};

// Buffers for unexpected messages, kept for reuse. A fresh one per message costs an mmap, its
// page faults and a zero fill, at every segment of a ring or sendrecv whose sender runs ahead
// of the receives: measured as 7% of a rank's time in page faults at 64 MiB sendrecv.
class StagingPool {
 public:
  // A buffer of at least `bytes` bytes (its size may be larger).
  std::vector<std::byte> take(std::size_t bytes) {
    for (auto it = spare_.begin(); it != spare_.end(); ++it) {
      if (it->size() < bytes) continue;
      std::vector<std::byte> buf = std::move(*it);
      kept_bytes_ -= buf.size();
      spare_.erase(it);
      return buf;
    }
    return std::vector<std::byte>(bytes);
  }
  // Keeps `buf` for reuse, within kKeptBytes in all (the oldest go first).
  void give(std::vector<std::byte> buf) {
    if (buf.empty() || buf.size() > kKeptBytes) return;
    while (kept_bytes_ + buf.size() > kKeptBytes) {
      kept_bytes_ -= spare_.front().size();
      spare_.erase(spare_.begin());
    }
    kept_bytes_ += buf.size();
    spare_.push_back(std::move(buf));
  }

 private:
  static constexpr std::size_t kKeptBytes = std::size_t{64} << 20;
  std::vector<std::vector<std::byte>> spare_;
  std::size_t kept_bytes_ = 0;
};

// epoll's user data points at one of these.
struct Pollable {
  enum Kind { kListener, kHandshake, kStream } kind;
  explicit Pollable(Kind k) : kind(k) {}
};

struct Stream : Pollable {
  Stream(int peer, int index) : Pollable(kStream), peer(peer), index(index) {}
  int peer, index;
  tcp::Fd fd;
  std::deque<OutChunk> out;
  // Receive state: bytes read ahead of the parse, a header being read, then its payload.
  std::vector<std::byte> read_ahead;  // kRecvBuffer bytes from the first read on
  std::size_t ahead_pos = 0, ahead_end = 0;
  ChunkHeader header{};
  std::size_t header_got = 0;
  std::byte* payload = nullptr;  // where the rest of the current payload goes
  std::size_t payload_left = 0;
  Inbound* target = nullptr;
  std::vector<std::byte> discard;  // payload of a message that failed (does not fit)
  bool detached = false;           // taken out of epoll while read directly (pollDirectly)
};

struct Handshake : Pollable {
  Handshake() : Pollable(kHandshake) {}
  tcp::Fd fd;
  Hello hello{};
  std::size_t got = 0;
};

using Key = std::pair<Tag, std::uint64_t>;  // (tag, seq)
struct KeyHash {
  std::size_t operator()(const Key& k) const { return k.first * 0x9E3779B97F4A7C15ull ^ k.second; }
};

struct Peer {
  std::string ip, host;
  std::uint16_t port = 0;
  std::vector<std::unique_ptr<Stream>> streams;
  bool connected = false;  // this side initiated (or accepted all) connections
  bool lost = false;
  std::string lost_reason;
  std::size_t next_stream = 0;
  TagSequences send_seq, recv_seq;
  std::unordered_map<Key, Inbound, KeyHash> inbound;
};

}  // namespace

struct TcpTransport::Impl {
  Impl(Bootstrap& boot, TcpOptions opts);
  ~Impl();

  void exchangeEndpoints(Bootstrap& boot, const std::string& address);
  std::string who(int peer) const;
  void ensureConnected(int peer);
  Peer* peerFor(RequestState& req);
  void addToEpoll(int fd, Pollable* p, std::uint32_t events);
  void progress(int timeout_ms, int keep_detached = -1);
  bool pollDirectly(const RequestState& pending, bool new_wait);
  int directPeer(const RequestState& pending) const;
  void detach(int peer);
  void reattach(int keep_peer);
  void acceptAll();
  void continueHandshake(Handshake* h);
  void adopt(Handshake* h);
  void flush(Stream& s);
  bool sendShort(Stream& s);
  bool wrote(Stream& s, ssize_t n);
  void drain(Stream& s, bool to_end = false);
  void parseReadAhead(Stream& s);
  bool readHeader(Stream& s, std::size_t n);
  void startPayload(Stream& s);
  void finishPayload(Stream& s);
  void completeInbound(Peer& peer, const Key& key, Inbound& in);
  void failPeer(int peer, const std::string& why);
  void reject(Handshake* h, const std::string& why);

  TcpOptions opts;
  int rank = 0, size = 0;
  std::uint64_t token = 0;
  TransportProps props;
  tcp::Listener listener;
  Pollable listener_tag{Pollable::kListener};
  tcp::Fd epoll;
  std::vector<Peer> peers;
  std::vector<std::unique_ptr<Handshake>> handshakes;
  StagingPool staging;
  std::size_t rejected = 0;
  unsigned spins = 0;         // turns of pollDirectly
  int direct_peer = -1;       // the peer of the last waits that spun on a small receive
  unsigned direct_waits = 0;  // how many such waits in a row
  std::vector<Stream*> detached;
};

TcpTransport::Impl::Impl(Bootstrap& boot, TcpOptions o) : opts(std::move(o)) {
  rank = boot.rank();
  size = boot.size();
  if (opts.streams < 1 || opts.streams > 64) {
    throw TransportError("tcp: streams per peer must be 1..64, got " +
                         std::to_string(opts.streams));
  }
  if (opts.chunk_bytes == 0 || opts.chunk_bytes > (1u << 30)) {
    throw TransportError("tcp: chunk size must be 1 byte .. 1 GiB");
  }
  props.name = "tcp";
  epoll = tcp::Fd(::epoll_create1(EPOLL_CLOEXEC));
  if (epoll.get() < 0) throw TransportError(tcp::errnoText("epoll_create1"));
  auto hosts = allgatherStrings(boot, boot.hostname());
  bool one_host = std::all_of(hosts.begin(), hosts.end(), [&](auto& h) { return h == hosts[0]; });
  std::string address = opts.address.empty()
                            ? (one_host ? "127.0.0.1" : tcp::firstExternalAddress())
                            : tcp::resolveAddress(opts.address);
  if (address.empty()) throw TransportError("tcp: no usable IPv4 address; give --tcp-addr");
  listener = tcp::listenOn(address);
  addToEpoll(listener.fd.get(), &listener_tag, EPOLLIN);
  exchangeEndpoints(boot, address);
}

TcpTransport::Impl::~Impl() = default;

void TcpTransport::Impl::exchangeEndpoints(Bootstrap& boot, const std::string& address) {
  // Rank 0's random token is the job's secret; a connection must present it.
  std::uint64_t mine = std::random_device{}() * 0x100000000ull + std::random_device{}();
  std::vector<std::uint64_t> tokens(size);
  boot.allgather(&mine, sizeof mine, tokens.data());
  token = tokens[0];
  EndpointInfo info{};
  std::snprintf(info.ip, sizeof info.ip, "%s", address.c_str());
  std::snprintf(info.host, sizeof info.host, "%s", boot.hostname().c_str());
  info.port = listener.port;
  std::vector<EndpointInfo> all(size);
  boot.allgather(&info, sizeof info, all.data());
  peers.resize(size);
  for (int r = 0; r < size; ++r) {
    peers[r].ip = all[r].ip;
    peers[r].host = all[r].host;
    peers[r].port = all[r].port;
    for (int s = 0; s < opts.streams; ++s)
      peers[r].streams.push_back(std::make_unique<Stream>(r, s));
  }
}

std::string TcpTransport::Impl::who(int peer) const {
  return "rank " + std::to_string(peer) + " (" + peers[peer].host + ")";
}

void TcpTransport::Impl::addToEpoll(int fd, Pollable* p, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = p;
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    throw TransportError(tcp::errnoText("epoll_ctl"));
  }
}

void TcpTransport::Impl::ensureConnected(int peer) {
  Peer& p = peers[peer];
  if (p.connected || peer < rank) return;  // lower ranks connect to us
  p.connected = true;
  for (auto& s : p.streams) {
    tcp::Fd fd;
    try {
      fd = tcp::connectTo(p.ip, p.port, opts.connect_timeout);
    } catch (const TransportError& e) {
      failPeer(peer, e.what());
      return;
    }
    tcp::tuneSocket(fd.get(), opts.socket_buffer_bytes);
    Hello hello{kHelloMagic, static_cast<std::uint32_t>(rank), static_cast<std::uint32_t>(s->index),
                static_cast<std::uint32_t>(opts.streams), token};
    if (!tcp::writeFully(fd.get(), &hello, sizeof hello)) {
      failPeer(peer, "handshake failed");
      return;
    }
    tcp::setNonBlocking(fd.get());
    s->fd = std::move(fd);
    addToEpoll(s->fd.get(), s.get(), kStreamEvents);
  }
}

// keep_detached: the peer whose small receive the caller spins on; its sockets stay out of
// epoll while they have nothing to send. Every other detached socket goes back in first.
void TcpTransport::Impl::progress(int timeout_ms, int keep_detached) {
  if (!detached.empty()) reattach(timeout_ms == 0 ? keep_detached : -1);
  epoll_event events[64];
  int n = ::epoll_wait(epoll.get(), events, 64, timeout_ms);
  if (n < 0 && errno != EINTR) throw TransportError(tcp::errnoText("epoll_wait"));
  for (int i = 0; i < n; ++i) {
    auto* p = static_cast<Pollable*>(events[i].data.ptr);
    if (p->kind == Pollable::kListener) {
      acceptAll();
    } else if (p->kind == Pollable::kHandshake) {
      continueHandshake(static_cast<Handshake*>(p));
    } else {
      auto* s = static_cast<Stream*>(p);
      if (events[i].events & EPOLLOUT) flush(*s);
      const bool gone = events[i].events & kPeerGone;
      if (gone || (events[i].events & EPOLLIN)) drain(*s, gone);
    }
  }
}

// While spinning on a small receive, reads its peer's sockets without asking epoll: a recv
// that finds nothing costs less than an epoll_wait, and the wait for a small message is a turn
// of this loop (8 B pingpong, 2 ranks: 5.1 -> 4.1 us one way, p50 of 8 interleaved launches).
// Every kEpollEvery-th turn goes to epoll for the rest (connections, other peers, EPOLLOUT).
// From the second wait in a row on the same peer, its sockets leave epoll (detach): a socket
// in epoll pays for the epoll wake-up on every arrival, and its edge-triggered events come back
// at epoll's turn to find it empty. A wait on anything else puts them back (progress), so
// waits that alternate peers (tree, recursive doubling at 4 ranks) never detach. A large
// receive always waits on epoll, so a large send queued beside it is flushed as soon as its
// socket has room. Returns false when this turn is epoll's.
bool TcpTransport::Impl::pollDirectly(const RequestState& pending, bool new_wait) {
  constexpr unsigned kEpollEvery = 16;
  const int peer = directPeer(pending);
  if (peer < 0) return false;
  if (new_wait) {
    direct_waits = peer == direct_peer ? direct_waits + 1 : 1;
    direct_peer = peer;
    if (direct_waits >= 2) detach(peer);
  }
  if (++spins % kEpollEvery == 0) return false;
  for (auto& s : peers[peer].streams) drain(*s);
  return true;
}

int TcpTransport::Impl::directPeer(const RequestState& pending) const {
  return pending.kind == OpKind::kRecv && pending.bytes <= kRecvBuffer ? pending.peer : -1;
}

void TcpTransport::Impl::detach(int peer) {
  for (auto& s : peers[peer].streams) {
    if (s->detached || s->fd.get() < 0 || !s->out.empty()) continue;
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, s->fd.get(), nullptr) != 0) {
      throw TransportError(tcp::errnoText("epoll_ctl(EPOLL_CTL_DEL)"));
    }
    s->detached = true;
    detached.push_back(s.get());
  }
}

// Adding a socket back reports what is already pending (EPOLLIN, EPOLLOUT, EPOLLRDHUP), so
// nothing that arrived while it was out is missed.
void TcpTransport::Impl::reattach(int keep_peer) {
  auto leaves = [&](Stream* s) {       // true: no longer detached
    if (s->fd.get() < 0) return true;  // closed by failPeer: nothing to put back
    if (s->peer == keep_peer && s->out.empty()) return false;
    s->detached = false;
    addToEpoll(s->fd.get(), s, kStreamEvents);
    return true;
  };
  detached.erase(std::remove_if(detached.begin(), detached.end(), leaves), detached.end());
}

void TcpTransport::Impl::acceptAll() {
  for (;;) {
    int fd = ::accept4(listener.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a connection that vanished; nothing to do either way
    auto h = std::make_unique<Handshake>();
    h->fd = tcp::Fd(fd);
    addToEpoll(fd, h.get(), EPOLLIN | EPOLLET | EPOLLRDHUP);
    handshakes.push_back(std::move(h));
    continueHandshake(handshakes.back().get());
  }
}

void TcpTransport::Impl::continueHandshake(Handshake* h) {
  while (h->got < sizeof h->hello) {
    ssize_t n = ::recv(h->fd.get(), reinterpret_cast<char*>(&h->hello) + h->got,
                       sizeof h->hello - h->got, 0);
    if (n > 0) {
      h->got += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {
      return reject(h, "closed before completing the handshake");
    }
  }
  const Hello& m = h->hello;
  if (m.magic != kHelloMagic) return reject(h, "not a collbench handshake");
  if (m.token != token) return reject(h, "wrong job token");
  if (m.rank >= static_cast<std::uint32_t>(rank))
    return reject(h, "invalid rank " + std::to_string(m.rank));
  if (m.streams != static_cast<std::uint32_t>(opts.streams) || m.stream >= m.streams) {
    return reject(h, "stream " + std::to_string(m.stream) + "/" + std::to_string(m.streams) +
                         " does not match --tcp-streams " + std::to_string(opts.streams));
  }
  if (peers[m.rank].streams[m.stream]->fd.get() >= 0) return reject(h, "duplicate connection");
  adopt(h);
}

void TcpTransport::Impl::reject(Handshake* h, const std::string& why) {
  ++rejected;
  std::fprintf(stderr, "collbench: rank %d: tcp: dropped a connection: %s\n", rank, why.c_str());
  auto it =
      std::find_if(handshakes.begin(), handshakes.end(), [&](auto& x) { return x.get() == h; });
  handshakes.erase(it);  // closes the socket, which also removes it from epoll
}

void TcpTransport::Impl::adopt(Handshake* h) {
  Stream& s = *peers[h->hello.rank].streams[h->hello.stream];
  s.fd = std::move(h->fd);
  tcp::tuneSocket(s.fd.get(), opts.socket_buffer_bytes);
  epoll_event ev{};
  ev.events = kStreamEvents;
  ev.data.ptr = &s;
  ::epoll_ctl(epoll.get(), EPOLL_CTL_MOD, s.fd.get(), &ev);
  auto it =
      std::find_if(handshakes.begin(), handshakes.end(), [&](auto& x) { return x.get() == h; });
  handshakes.erase(it);
  flush(s);
  drain(s, true);  // the peer may have sent, and closed, before this socket was watched
}

// Writes queued chunks until the socket would block. Several chunks go in one sendmsg; a lone
// short chunk goes with its header in one buffer through send().
void TcpTransport::Impl::flush(Stream& s) {
  if (s.out.size() == 1 && sendShort(s)) return;
  while (!s.out.empty() && s.fd.get() >= 0) {
    iovec iov[kMaxIov];
    int n_iov = 0;
    for (auto it = s.out.begin(); it != s.out.end() && n_iov + 2 <= kMaxIov; ++it) {
      std::size_t w = it->written;
      if (w < sizeof(ChunkHeader)) {
        iov[n_iov++] = {reinterpret_cast<char*>(&it->header) + w, sizeof(ChunkHeader) - w};
        w = sizeof(ChunkHeader);
      }
      std::size_t done = w - sizeof(ChunkHeader);
      if (done < it->header.bytes) {
        iov[n_iov++] = {const_cast<std::byte*>(it->data) + done, it->header.bytes - done};
      }
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(n_iov);
    if (!wrote(s, ::sendmsg(s.fd.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT))) return;
  }
}

// Accounts for what a send call on `s` returned: the chunks it finished leave the queue and
// complete their requests; an error other than a full socket fails the peer. Returns false
// when writing should stop (the socket is full, or the peer failed).
bool TcpTransport::Impl::wrote(Stream& s, ssize_t n) {
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      failPeer(s.peer, tcp::errnoText("send"));
    }
    return false;
  }
  auto left = static_cast<std::size_t>(n);
  while (left > 0) {
    OutChunk& c = s.out.front();
    std::size_t take = std::min(left, c.size() - c.written);
    c.written += take;
    left -= take;
    if (c.written < c.size()) break;  // the rest waits for EPOLLOUT
    if (--c.req->chunks_left == 0) c.req->complete();
    s.out.pop_front();
  }
  return true;
}

// Sends a lone chunk of up to kRecvBuffer bytes, header included, from one contiguous copy:
// send() of one buffer costs less than sendmsg() of two (8 B pingpong, 2 ranks: 3.70 -> 3.61 us
// one way, medians of 6 interleaved launches).
// Returns false, leaving the chunk queued, when it is longer or partly written already.
bool TcpTransport::Impl::sendShort(Stream& s) {
  OutChunk& c = s.out.front();
  if (c.written != 0 || c.size() > kRecvBuffer || s.fd.get() < 0) return false;
  alignas(ChunkHeader) std::byte buf[kRecvBuffer];
  std::memcpy(buf, &c.header, sizeof c.header);
  if (c.header.bytes > 0) std::memcpy(buf + sizeof c.header, c.data, c.header.bytes);
  wrote(s, ::send(s.fd.get(), buf, c.size(), MSG_NOSIGNAL | MSG_DONTWAIT));
  return true;
}

// Reads everything the socket has: headers and short payloads through the stream's read-ahead
// buffer, long payloads straight into their destination. A read shorter than asked for has
// emptied the socket, and the stream is edge-triggered (new data raises a new event), so it
// ends the drain without another recv to see EAGAIN: a small message costs one recv.
// to_end: read on to EAGAIN or the close. A close that arrived before the event was taken
// raises no later edge (a peer that sends its last message and exits: one event carries
// EPOLLIN and EPOLLRDHUP), so a drain for such an event must see it now.
void TcpTransport::Impl::drain(Stream& s, bool to_end) {
  if (s.read_ahead.empty()) s.read_ahead.resize(kRecvBuffer);  // only streams in use hold one
  while (s.fd.get() >= 0) {
    parseReadAhead(s);
    if (s.fd.get() < 0) return;
    const bool direct = s.payload_left >= kRecvBuffer;
    std::byte* dst = direct ? s.payload : s.read_ahead.data();
    const std::size_t want = direct ? s.payload_left : s.read_ahead.size();
    const ssize_t n = ::recv(s.fd.get(), dst, want, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return failPeer(s.peer, "connection closed by " + who(s.peer));
    if (n < 0) return failPeer(s.peer, tcp::errnoText("recv from " + who(s.peer)));
    const auto got = static_cast<std::size_t>(n);
    if (direct) {
      s.payload += got;
      s.payload_left -= got;
      if (s.payload_left == 0) finishPayload(s);
    } else {
      s.ahead_pos = 0;
      s.ahead_end = got;
    }
    if (got < want && !to_end) return parseReadAhead(s);
  }
}

// Hands the bytes read ahead to the header or payload they belong to.
void TcpTransport::Impl::parseReadAhead(Stream& s) {
  while (s.ahead_pos < s.ahead_end && s.fd.get() >= 0) {
    const std::byte* from = s.read_ahead.data() + s.ahead_pos;
    const std::size_t avail = s.ahead_end - s.ahead_pos;
    if (s.payload_left == 0) {
      const std::size_t take = std::min(avail, sizeof s.header - s.header_got);
      std::memcpy(reinterpret_cast<std::byte*>(&s.header) + s.header_got, from, take);
      s.ahead_pos += take;
      if (!readHeader(s, take)) return;
    } else {
      const std::size_t take = std::min(avail, s.payload_left);
      std::memcpy(s.payload, from, take);
      s.ahead_pos += take;
      s.payload += take;
      s.payload_left -= take;
      if (s.payload_left == 0) finishPayload(s);
    }
  }
}

// Returns false when the stream was failed.
bool TcpTransport::Impl::readHeader(Stream& s, std::size_t n) {
  s.header_got += n;
  if (s.header_got < sizeof s.header) return true;
  s.header_got = 0;
  if (s.header.magic != kChunkMagic) {
    failPeer(s.peer, "corrupt stream from " + who(s.peer) + " (bad chunk header)");
    return false;
  }
  startPayload(s);
  if (s.payload_left == 0) finishPayload(s);
  return true;
}

void TcpTransport::Impl::startPayload(Stream& s) {
  Peer& peer = peers[s.peer];
  const ChunkHeader& h = s.header;
  Inbound& in = peer.inbound[{h.tag, h.seq}];
  if (!in.header_seen) {
    in.header_seen = true;
    in.total = h.total;
    if (!in.req) {  // nobody asked yet: keep it until a receive is posted
      in.buffered = true;
      in.buffer = staging.take(h.total);
    } else if (h.total > in.capacity) {
      in.req->fail("message of " + std::to_string(h.total) + " bytes does not fit the " +
                   std::to_string(in.capacity) + "-byte receive");
    }
  }
  s.target = &in;
  s.payload_left = h.bytes;
  const bool usable = h.offset + h.bytes <= in.total && (in.buffered || !in.req->done);
  if (!usable) {
    s.discard.resize(h.bytes);
    s.payload = s.discard.data();
  } else {
    s.payload = (in.buffered ? in.buffer.data() : in.dst) + h.offset;
  }
}

void TcpTransport::Impl::finishPayload(Stream& s) {
  Peer& peer = peers[s.peer];
  const Key key{s.header.tag, s.header.seq};
  Inbound& in = *s.target;
  s.target = nullptr;
  in.received += s.header.bytes;
  if (in.received >= in.total) completeInbound(peer, key, in);
}

void TcpTransport::Impl::completeInbound(Peer& peer, const Key& key, Inbound& in) {
  if (!in.req) return;  // complete but unexpected: wait for the receive
  if (!in.req->done) {
    if (in.buffered && in.total > 0) std::memcpy(in.dst, in.buffer.data(), in.total);
    in.req->complete();
  }
  staging.give(std::move(in.buffer));
  peer.inbound.erase(key);
}

void TcpTransport::Impl::failPeer(int peer_rank, const std::string& why) {
  Peer& p = peers[peer_rank];
  if (p.lost) return;
  p.lost = true;
  p.lost_reason = why;
  for (auto& s : p.streams) {
    for (auto& c : s->out) {
      if (!c.req->done) c.req->fail(why, true);
    }
    s->out.clear();
    s->fd.reset();
    s->payload_left = 0;
    s->ahead_pos = s->ahead_end = 0;
    s->target = nullptr;
  }
  for (auto& [key, in] : p.inbound) {
    if (in.req && !in.req->done) in.req->fail(why, true);
  }
  p.inbound.clear();
}

TcpTransport::TcpTransport(Bootstrap& boot, TcpOptions options)
    : impl_(std::make_unique<Impl>(boot, std::move(options))) {}

TcpTransport::~TcpTransport() = default;

const TransportProps& TcpTransport::props() const { return impl_->props; }
int TcpTransport::rank() const { return impl_->rank; }
int TcpTransport::size() const { return impl_->size; }
std::string TcpTransport::listenAddress() const {
  return impl_->listener.ip + ":" + std::to_string(impl_->listener.port);
}
std::size_t TcpTransport::rejectedConnections() const { return impl_->rejected; }

std::unique_ptr<MemoryRegion> TcpTransport::registerMemory(void* data, std::size_t bytes,
                                                           MemoryKind kind) {
  if (kind != MemoryKind::kHost) throw TransportError("tcp transport moves host memory only");
  return std::make_unique<MemoryRegion>(data, bytes, kind);
}

// The peer an operation is posted to, connected; null (with req failed) when it is gone.
Peer* TcpTransport::Impl::peerFor(RequestState& req) {
  checkPeer(req.peer, rank, size);
  ensureConnected(req.peer);
  Peer& p = peers[req.peer];
  if (!p.lost) return &p;
  req.fail(p.lost_reason, true);
  return nullptr;
}

Request TcpTransport::postSend(int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
                               std::size_t bytes) {
  Impl& m = *impl_;
  auto req = std::make_shared<SendState>(OpKind::kSend, peer, tag, bytes);
  Peer* pp = m.peerFor(*req);
  if (!pp) return Request(req);
  Peer& p = *pp;
  const std::uint64_t seq = p.send_seq.next(tag);
  const std::byte* base = region.data() + offset;
  const std::size_t chunks =
      std::max<std::size_t>(1, (bytes + m.opts.chunk_bytes - 1) / m.opts.chunk_bytes);
  req->chunks_left = chunks;
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t off = c * m.opts.chunk_bytes;
    const auto len = static_cast<std::uint32_t>(std::min(m.opts.chunk_bytes, bytes - off));
    Stream& s = *p.streams[p.next_stream++ % p.streams.size()];
    s.out.push_back(
        OutChunk{ChunkHeader{tag, seq, off, bytes, len, kChunkMagic}, base + off, 0, req});
  }
  for (auto& s : p.streams) m.flush(*s);
  return Request(req);
}

Request TcpTransport::postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                               std::size_t bytes) {
  Impl& m = *impl_;
  auto req = std::make_shared<RequestState>(OpKind::kRecv, peer, tag, bytes);
  Peer* pp = m.peerFor(*req);
  if (!pp) return Request(req);
  Peer& p = *pp;
  const Key key{tag, p.recv_seq.next(tag)};
  Inbound& in = p.inbound[key];
  in.req = req;
  in.dst = region.data() + offset;
  in.capacity = bytes;
  if (in.header_seen && in.total > bytes) {
    req->fail("message of " + std::to_string(in.total) + " bytes does not fit the " +
              std::to_string(bytes) + "-byte receive");
  }
  if (in.header_seen && in.received >= in.total) m.completeInbound(p, key, in);
  return Request(req);
}

void TcpTransport::releaseTagsBelow(Tag bound) {
  for (Peer& p : impl_->peers) {
    p.send_seq.releaseBelow(bound);
    p.recv_seq.releaseBelow(bound);
  }
}

void TcpTransport::progressUntil(Request* reqs, std::size_t n, WaitFor until, Deadline deadline) {
  Impl& m = *impl_;
  auto now = Clock::now();
  const auto spin_until = now + m.opts.spin;
  const auto yield_until = spin_until + m.opts.yield;
  unsigned turn = 0;
  while (!satisfied(reqs, n, until)) {
    const Request* pending = firstPending(reqs, n);
    // While spinning, the clock is read every 8th turn: a turn costs little more than the read
    // (8 B pingpong: 3.64 -> 3.57 us one way, medians of 6 interleaved launches).
    if (++turn % 8 == 0 || now >= spin_until) now = Clock::now();
    if (now >= deadline) {
      const RequestState& st = pending->state();
      throw TimeoutError("rank " + std::to_string(m.rank) + ": timed out waiting for " +
                             describe(st) + "; rank " + std::to_string(st.peer) + " runs on host " +
                             m.peers[st.peer].host,
                         st.peer, st.tag);
    }
    int timeout_ms = 0;
    if (now < spin_until && m.pollDirectly(pending->state(), turn == 1)) continue;
    if (now >= spin_until && now < yield_until) {
      sched_yield();
    } else if (now >= spin_until) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(left + 1, 1, 100));
    }
    // Past the spin nothing reads the detached sockets directly: they all go back to epoll.
    m.progress(timeout_ms, now < spin_until ? m.directPeer(pending->state()) : -1);
  }
  throwIfAnyFailed(reqs, n, m.rank);
}

}  // namespace collbench
