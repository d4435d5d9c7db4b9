#include "harness/failure_desk.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <sstream>

#include "harness/say.h"
#include "transports/api/errors.h"

namespace collbench {
namespace {

constexpr char kMagic[8] = {'C', 'B', 'F', 'A', 'I', 'L', '0', '1'};
constexpr std::uint32_t kMaxText = 1 << 16;
constexpr std::chrono::milliseconds kConnectLimit{1000};
constexpr std::chrono::milliseconds kAnswerLimit{2000};
// Past rank 0's wait: for it to judge, write the result file and end the job.
constexpr std::chrono::milliseconds kEndGrace{5000};

constexpr std::uint32_t kConnectionLost = 1, kWaitedForAll = 2;

struct Header {
  char magic[8];
  std::uint64_t nonce;
  std::int32_t rank, waited_for;
  std::uint32_t flags;       // kConnectionLost | kWaitedForAll
  std::uint32_t lengths[3];  // host, operation, message
};

// Blocking exact-length read on a socket with a receive timeout; false on EOF, error or timeout.
bool readFully(int fd, void* data, std::size_t bytes) {
  auto* p = static_cast<char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::recv(fd, p, bytes, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

bool readText(int fd, std::uint32_t length, std::string& text) {
  text.assign(length, '\0');
  return length == 0 || readFully(fd, text.data(), length);
}

void setReceiveTimeout(int fd, std::chrono::milliseconds limit) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(limit.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(limit.count() % 1000 * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

bool waitReadable(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&p, 1, static_cast<int>(limit.count()));
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

std::uint64_t drawNonce() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) | device();
}

std::string clipped(const std::string& text) { return text.substr(0, kMaxText); }

}  // namespace

std::chrono::milliseconds reportWait(std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds watchdog_limit) {
  return std::max(watchdog_limit - timeout, std::chrono::milliseconds(0)) +
         std::chrono::milliseconds(1000);
}

// Rank 0 publishes "PORT\nNONCE\nHOSTKEY\nIP\nIP..."; a port of 0 means no desk.
FailureDesk::FailureDesk(JobBootstrap& boot, std::chrono::milliseconds wait)
    : rank_(boot.rank()), ranks_(boot.size()), wait_(wait) {
  std::ostringstream mine;
  if (rank_ == 0) {
    try {
      tcp::Listener listener = tcp::listenOn("0.0.0.0");
      int pipe_fds[2];
      if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw TransportError(tcp::errnoText("pipe"));
      stop_read_ = tcp::Fd(pipe_fds[0]);
      stop_write_ = tcp::Fd(pipe_fds[1]);
      listener_ = std::move(listener.fd);
      port_ = listener.port;
      nonce_ = drawNonce();
    } catch (const std::exception& e) {
      say("rank 0 (" + boot.hostname() + "): cannot listen for failure reports (" + e.what() +
          "); should the job fail, each rank will say only what it saw");
    }
    mine << port_ << '\n' << nonce_ << '\n' << boot.hostKey() << '\n';
    for (const auto& ip : tcp::externalAddresses()) mine << ip << '\n';
  }
  std::istringstream zero(allgatherStrings(boot, mine.str()).front());
  std::string host_key, ip;
  zero >> port_ >> nonce_ >> host_key;
  if (rank_ == 0) {
    if (port_ != 0) server_ = std::thread([this] { serve(); });
    return;
  }
  if (host_key == boot.hostKey()) addresses_.push_back("127.0.0.1");
  while (zero >> ip) addresses_.push_back(ip);
}

FailureDesk::~FailureDesk() {
  if (!server_.joinable()) return;
  const char stop = 'x';
  if (::write(stop_write_.get(), &stop, 1) == 1) {
    server_.join();
  } else {
    server_.detach();  // cannot wake it; it ends with the process
  }
}

void FailureDesk::serve() {
  for (;;) {
    pollfd p[2] = {{listener_.get(), POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents != 0) return;
    if ((p[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) receive(tcp::Fd(fd));
  }
}

// One report: checked, kept, answered; its connection held open until the job ends.
void FailureDesk::receive(tcp::Fd conn) {
  setReceiveTimeout(conn.get(), kAnswerLimit);
  Header h{};
  FailureReport r;
  if (!readFully(conn.get(), &h, sizeof h) || std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 ||
      h.nonce != nonce_ || h.rank <= 0 || h.rank >= ranks_ ||
      *std::max_element(std::begin(h.lengths), std::end(h.lengths)) > kMaxText)
    return;
  if (!readText(conn.get(), h.lengths[0], r.host) ||
      !readText(conn.get(), h.lengths[1], r.operation) ||
      !readText(conn.get(), h.lengths[2], r.message))
    return;
  r.rank = h.rank;
  r.waited_for = h.waited_for >= 0 && h.waited_for < ranks_ ? h.waited_for : -1;
  r.connection_lost = (h.flags & kConnectionLost) != 0;
  r.waited_for_all = (h.flags & kWaitedForAll) != 0;
  const char taken = 'K';
  if (!tcp::writeFully(conn.get(), &taken, 1)) return;
  std::lock_guard<std::mutex> lock(mu_);
  reports_.push_back(std::move(r));
  held_.push_back(std::move(conn));
  arrived_.notify_all();
}

// Whether every other rank has reported or is known gone (a report lost its connection to it).
bool FailureDesk::allAccountedFor(const FailureReport& mine) const {
  std::vector<bool> known(static_cast<std::size_t>(ranks_), false);
  known[0] = true;
  auto mark = [&](const FailureReport& r) {
    known[static_cast<std::size_t>(r.rank)] = true;
    if (r.connection_lost && r.waited_for >= 0)
      known[static_cast<std::size_t>(r.waited_for)] = true;
  };
  mark(mine);
  for (const auto& r : reports_) mark(r);
  return std::find(known.begin(), known.end(), false) == known.end();
}

std::vector<FailureReport> FailureDesk::collect(const FailureReport& mine) {
  std::unique_lock<std::mutex> lock(mu_);
  arrived_.wait_for(lock, wait_, [&] { return allAccountedFor(mine); });
  std::vector<FailureReport> all{mine};
  all.insert(all.end(), reports_.begin(), reports_.end());
  return all;
}

std::string FailureDesk::send(const FailureReport& mine) {
  if (port_ == 0) return "rank 0 is not listening for reports";
  std::string why;
  for (const auto& ip : addresses_) {
    const std::string failed = trySend(ip, mine);
    if (failed.empty()) return "";
    why += (why.empty() ? "" : "; ") + failed;
  }
  return addresses_.empty() ? "rank 0 has no address to report to" : why;
}

std::string FailureDesk::trySend(const std::string& ip, const FailureReport& mine) {
  tcp::Fd conn;
  try {
    conn = tcp::connectTo(ip, port_, kConnectLimit);
  } catch (const std::exception& e) {
    return e.what();
  }
  const std::string texts[3] = {clipped(mine.host), clipped(mine.operation), clipped(mine.message)};
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.nonce = nonce_;
  h.rank = mine.rank;
  h.waited_for = mine.waited_for;
  h.flags =
      (mine.connection_lost ? kConnectionLost : 0) | (mine.waited_for_all ? kWaitedForAll : 0);
  for (int i = 0; i < 3; ++i) h.lengths[i] = static_cast<std::uint32_t>(texts[i].size());
  bool sent = tcp::writeFully(conn.get(), &h, sizeof h);
  for (const auto& t : texts) sent = sent && tcp::writeFully(conn.get(), t.data(), t.size());
  char answer = 0;
  setReceiveTimeout(conn.get(), kAnswerLimit);
  if (!sent || !readFully(conn.get(), &answer, 1) || answer != 'K')
    return ip + ":" + std::to_string(port_) + " did not take the report";
  sent_ = std::move(conn);
  return "";
}

void FailureDesk::awaitEnd() {
  const std::chrono::milliseconds limit = wait_ + kEndGrace;
  if (sent_.get() >= 0) {
    waitReadable(sent_.get(), limit);  // rank 0's end closes the connection
  } else {
    std::this_thread::sleep_for(limit);
  }
}

}  // namespace collbench
