#include "harness/env_bootstrap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "harness/say.h"
#include "transports/tcp/socket.h"

namespace collbench {
namespace {

using Clock = std::chrono::steady_clock;
using tcp::Fd;

// ---- the environment -------------------------------------------------------------------------

std::string value(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  return v ? v : "";
}

long long integerVariable(const EnvLookup& env, const char* name, long long lo, long long hi) {
  const std::string text = value(env, name);
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || v < lo || v > hi) {
    throw UsageError(std::string(name) + "='" + text + "' is not an integer from " +
                     std::to_string(lo) + " to " + std::to_string(hi));
  }
  return v;
}

int optionalInteger(const EnvLookup& env, const char* name, int hi) {
  return env(name) ? static_cast<int>(integerVariable(env, name, 0, hi)) : -1;
}

void readRanks(RendezvousConfig& c, const EnvLookup& env, const char* rank, const char* size) {
  c.world_size = static_cast<int>(integerVariable(env, size, 1, 1 << 20));
  c.rank = static_cast<int>(integerVariable(env, rank, 0, c.world_size - 1));
  c.source = std::string(rank) + "/" + size;
}

// Slurm gives no port: one from the job and step, so that two jobs on a node rarely collide
// (and are refused by their tokens when they do).
std::uint16_t slurmPort(const EnvLookup& env) {
  const long long job = std::atoll(value(env, "SLURM_JOB_ID").c_str());
  const long long step = std::atoll(value(env, "SLURM_STEP_ID").c_str());
  return static_cast<std::uint16_t>(20000 + (job * 31 + step) % 30000);
}

void readAddress(RendezvousConfig& c, const EnvLookup& env, bool slurm) {
  c.address = value(env, "MASTER_ADDR");
  if (c.address.empty() && slurm) c.address = value(env, "SLURM_LAUNCH_NODE_IPADDR");
  if (c.address.empty() && c.world_size > 1) {
    throw UsageError(std::string("MASTER_ADDR is not set: the env bootstrap needs rank 0's host") +
                     (slurm ? " (or SLURM_LAUNCH_NODE_IPADDR)" : ""));
  }
  if (env("MASTER_PORT")) {
    c.port = static_cast<std::uint16_t>(integerVariable(env, "MASTER_PORT", 1, 65535));
  } else {
    c.port = slurm ? slurmPort(env) : kDefaultRendezvousPort;
  }
}

std::string jobToken(const EnvLookup& env) {
  if (env("COLLBENCH_JOB_TOKEN")) return value(env, "COLLBENCH_JOB_TOKEN");
  if (env("SLURM_JOB_ID")) {
    return "slurm-" + value(env, "SLURM_JOB_ID") + "." + value(env, "SLURM_STEP_ID");
  }
  return value(env, "TORCHELASTIC_RUN_ID");
}

// ---- sockets ---------------------------------------------------------------------------------

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

std::string errnoText() { return std::strerror(errno); }

// Waits until `fd` is readable (events POLLIN) or writable; false when `deadline` passed.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) fail("poll: " + errnoText());
  }
}

// Exact-length I/O on a blocking socket; false on EOF, error or (reads) the deadline.
bool sendAll(int fd, const void* data, std::size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::send(fd, p, bytes, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n, bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

bool recvAll(int fd, void* data, std::size_t bytes, Clock::time_point deadline) {
  char* p = static_cast<char*>(data);
  while (bytes > 0) {
    if (deadline != Clock::time_point::max() && !waitFor(fd, POLLIN, deadline)) return false;
    const ssize_t n = ::recv(fd, p, bytes, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n, bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

Fd listenOnPort(std::uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) fail("socket: " + errnoText());
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const bool in_use = errno == EADDRINUSE;
    fail("rank 0 cannot listen on port " + std::to_string(port) + ": " + errnoText() +
         (in_use ? " (another job, or another collbench, uses MASTER_PORT " + std::to_string(port) +
                       " on this host; give each job its own)"
                 : ""));
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) fail("listen: " + errnoText());
  return fd;
}

// One attempt to connect to address:port, bounded by `deadline`; "" on success, else why not.
std::string tryConnect(const std::string& address, std::uint16_t port, Clock::time_point deadline,
                       Fd& out) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return "cannot resolve '" + address + "': " + gai_strerror(rc);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, freeaddrinfo);
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return "socket: " + errnoText();
  if (::connect(fd.get(), found->ai_addr, found->ai_addrlen) != 0 && errno != EINPROGRESS) {
    return errnoText();
  }
  if (!waitFor(fd.get(), POLLOUT, deadline)) return "connection timed out";
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return std::strerror(err);
  const int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  out = std::move(fd);
  return "";
}

// ---- the rendezvous messages -----------------------------------------------------------------

constexpr char kMagic[8] = {'C', 'B', 'R', 'D', 'Z', 'V', '0', '1'};

// Rank 0's answer to a hello.
enum class Answer : std::uint32_t { kGo = 0, kFailed = 1, kUsage = 2, kRefused = 3 };

struct Hello {
  std::uint32_t rank = 0, world_size = 0;
  std::string token, host;
};

void putU32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<char*>(&v), 4); }

void putString(std::string& out, const std::string& s) {
  putU32(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

bool getU32(int fd, std::uint32_t& v, Clock::time_point deadline) {
  return recvAll(fd, &v, sizeof v, deadline);
}

bool getString(int fd, std::string& s, Clock::time_point deadline) {
  std::uint32_t len = 0;
  if (!getU32(fd, len, deadline) || len > 4096) return false;  // tokens and host names
  s.resize(len);
  return recvAll(fd, &s[0], len, deadline);
}

std::string encodeHello(const Hello& h) {
  std::string out(kMagic, sizeof kMagic);
  putU32(out, h.rank);
  putU32(out, h.world_size);
  putString(out, h.token);
  putString(out, h.host);
  return out;
}

// False when the peer is no collbench rank (wrong magic, garbage, silence).
bool readHello(int fd, Hello& h, Clock::time_point deadline) {
  char magic[sizeof kMagic];
  if (!recvAll(fd, magic, sizeof magic, deadline)) return false;
  if (std::memcmp(magic, kMagic, sizeof magic) != 0) return false;
  return getU32(fd, h.rank, deadline) && getU32(fd, h.world_size, deadline) &&
         getString(fd, h.token, deadline) && getString(fd, h.host, deadline);
}

void sendAnswer(int fd, Answer a, const std::string& message) {
  std::string out;
  putU32(out, static_cast<std::uint32_t>(a));
  putString(out, message);
  sendAll(fd, out.data(), out.size());
}

std::string thisHostname() {
  char name[256] = "?";
  ::gethostname(name, sizeof name - 1);
  return name;
}

// ---- the channel after the rendezvous: a star around rank 0 ----------------------------------

struct Star {
  int rank = 0, size = 1;
  std::vector<Fd> peers;           // rank 0: one per rank (peers[0] unused)
  std::vector<std::string> hosts;  // rank 0: each rank's host, for messages
  Fd root;                         // the others: the connection to rank 0
  std::string root_host;

  [[noreturn]] void lost(int peer, const std::string& what) const {
    const std::string host = rank == 0 ? hosts[static_cast<std::size_t>(peer)] : root_host;
    fail("bootstrap: lost the connection to rank " + std::to_string(peer) + " (" + host +
         ") while " + what + (errno ? ": " + errnoText() : ""));
  }
  void send(int peer, const void* data, std::size_t bytes, const char* what) {
    errno = 0;
    const int fd = rank == 0 ? peers[static_cast<std::size_t>(peer)].get() : root.get();
    if (!sendAll(fd, data, bytes)) lost(peer, what);
  }
  void recv(int peer, void* data, std::size_t bytes, const char* what) {
    errno = 0;
    const int fd = rank == 0 ? peers[static_cast<std::size_t>(peer)].get() : root.get();
    if (!recvAll(fd, data, bytes, Clock::time_point::max())) lost(peer, what);
  }
  // Allgather among ranks 0 .. members-1: each sends its part to rank 0, which sends the whole
  // back. Ranks outside `members` take no part.
  void allgather(int members, const void* in, std::size_t bytes, void* out) {
    auto* all = static_cast<char*>(out);
    if (rank != 0) {
      send(0, in, bytes, "sending its part of an allgather");
      recv(0, all, bytes * static_cast<std::size_t>(members), "receiving an allgather");
      return;
    }
    std::memcpy(all, in, bytes);
    for (int r = 1; r < members; ++r) {
      recv(r, all + bytes * static_cast<std::size_t>(r), bytes,
           "receiving its part of an allgather");
    }
    for (int r = 1; r < members; ++r) {
      send(r, all, bytes * static_cast<std::size_t>(members), "sending an allgather");
    }
  }
};

// A bootstrap over the first `members` ranks of a star (a --ranks stage).
class StarBootstrap : public Bootstrap {
 public:
  StarBootstrap(std::shared_ptr<Star> star, int members, std::string host)
      : star_(std::move(star)), members_(members), host_(std::move(host)) {}
  int rank() const override { return star_->rank; }
  int size() const override { return members_; }
  void allgather(const void* in, std::size_t bytes, void* out) override {
    star_->allgather(members_, in, bytes, out);
  }
  void barrier() override {
    std::vector<char> all(static_cast<std::size_t>(members_));
    const char mine = 0;
    allgather(&mine, 1, all.data());
  }
  std::string hostname() const override { return host_; }

 private:
  std::shared_ptr<Star> star_;
  int members_;
  std::string host_;
};

std::string bootId() {
  std::ifstream f("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(f, id);
  return id;
}

class EnvBootstrap : public JobBootstrap {
 public:
  EnvBootstrap(std::shared_ptr<Star> star, const RendezvousConfig& c)
      : star_(std::move(star)),
        world_(star_, c.world_size, thisHostname()),
        detail_(c.world_size > 1 ? "rendezvous at " + c.address + ":" + std::to_string(c.port) +
                                       " from " + c.source
                                 : "one rank, no rendezvous; " + c.source),
        host_key_(world_.hostname() + "|" + bootId()) {
    findLocalRanks(c);
  }
  int rank() const override { return world_.rank(); }
  int size() const override { return world_.size(); }
  void allgather(const void* in, std::size_t bytes, void* out) override {
    world_.allgather(in, bytes, out);
  }
  void barrier() override { world_.barrier(); }
  std::string hostname() const override { return world_.hostname(); }
  std::string kind() const override { return "env"; }
  std::string detail() const override { return detail_; }
  int localSize() const override { return local_size_; }
  int localRank() const override { return local_rank_; }
  std::string hostKey() const override { return host_key_; }
  std::unique_ptr<Bootstrap> firstRanks(int k) override {
    if (rank() >= k) return nullptr;
    return std::make_unique<StarBootstrap>(star_, k, hostname());
  }
  std::uint64_t maxOverRanks(std::uint64_t mine) override {
    std::vector<std::uint64_t> all(static_cast<std::size_t>(size()));
    allgather(&mine, sizeof mine, all.data());
    for (auto v : all) mine = std::max(mine, v);
    return mine;
  }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }

 private:
  // Ranks with the same host name and boot id share a host; LOCAL_RANK and LOCAL_WORLD_SIZE,
  // where the launcher gives them, win (they are what it pinned devices by).
  void findLocalRanks(const RendezvousConfig& c) {
    const auto keys = allgatherStrings(*this, hostKey());
    local_rank_ = local_size_ = 0;
    for (int r = 0; r < size(); ++r) {
      if (keys[static_cast<std::size_t>(r)] != hostKey()) continue;
      if (r < rank()) ++local_rank_;
      ++local_size_;
    }
    if (c.local_rank >= 0) local_rank_ = c.local_rank;
    if (c.local_world_size >= 0) local_size_ = c.local_world_size;
  }

  std::shared_ptr<Star> star_;
  StarBootstrap world_;
  std::string detail_, host_key_;
  int local_rank_ = 0, local_size_ = 1;
};

// ---- rank 0: wait for every rank -------------------------------------------------------------

class Gatherer {
 public:
  Gatherer(const RendezvousConfig& c, Star& star) : c_(c), star_(star) {
    star_.peers.resize(static_cast<std::size_t>(c.world_size));
    star_.hosts.assign(static_cast<std::size_t>(c.world_size), "?");
    star_.hosts[0] = thisHostname();
  }

  void run(std::chrono::milliseconds timeout) {
    Fd listener = listenOnPort(c_.port);
    const auto deadline = Clock::now() + timeout;
    for (int joined = 1; joined < c_.world_size;) {
      if (!waitFor(listener.get(), POLLIN, deadline)) abandon(timeout);
      sockaddr_in from{};
      socklen_t len = sizeof from;
      Fd fd(::accept4(listener.get(), reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC));
      if (fd.get() >= 0 && admit(std::move(fd), from)) ++joined;
    }
    for (int r = 1; r < c_.world_size; ++r) sendAnswer(peer(r), Answer::kGo, "");
  }

 private:
  int peer(int r) const { return star_.peers[static_cast<std::size_t>(r)].get(); }

  // Takes a connection in as a rank, or refuses it; true when a rank joined.
  bool admit(Fd fd, const sockaddr_in& from) {
    Hello h;
    if (!readHello(fd.get(), h, Clock::now() + std::chrono::seconds(5))) {
      char ip[INET_ADDRSTRLEN] = "?";
      ::inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
      say("rank 0 dropped a connection from " + std::string(ip) +
          " to the rendezvous port: not a collbench rank (it sent no collbench hello)");
      return false;
    }
    if (h.token != c_.token) {
      say("rank 0 refused a connection from " + h.host + " claiming rank " +
          std::to_string(h.rank) + ": its job token differs (another job on port " +
          std::to_string(c_.port) + "?)");
      sendAnswer(fd.get(), Answer::kRefused,
                 "rank 0 on " + star_.hosts[0] +
                     " belongs to another job (its job token "
                     "differs); give each job its own MASTER_PORT or COLLBENCH_JOB_TOKEN");
      return false;
    }
    if (const std::string problem = disagreement(h); !problem.empty()) {
      sendAnswer(fd.get(), Answer::kUsage, problem);
      stopAll(Answer::kUsage, problem);
      throw UsageError(problem);
    }
    star_.hosts[h.rank] = h.host;
    star_.peers[h.rank] = std::move(fd);
    return true;
  }

  std::string disagreement(const Hello& h) const {
    const std::string who = "rank " + std::to_string(h.rank) + " (" + h.host + ")";
    if (static_cast<int>(h.world_size) != c_.world_size) {
      return "WORLD_SIZE differs between ranks: " + who + " has " + std::to_string(h.world_size) +
             ", rank 0 (" + star_.hosts[0] + ") has " + std::to_string(c_.world_size);
    }
    if (h.rank == 0 || h.rank >= static_cast<std::uint32_t>(c_.world_size)) {
      return "rank " + std::to_string(h.rank) + " from " + h.host + " is not a rank from 1 to " +
             std::to_string(c_.world_size - 1) + " (two processes with RANK=0?)";
    }
    if (peer(static_cast<int>(h.rank)) >= 0) {
      return "rank " + std::to_string(h.rank) + " joined twice, from " + star_.hosts[h.rank] +
             " and from " + h.host + " (RANK must differ per process)";
    }
    return "";
  }

  void stopAll(Answer a, const std::string& message) {
    for (int r = 1; r < c_.world_size; ++r) {
      if (peer(r) >= 0) sendAnswer(peer(r), a, message);
    }
  }

  [[noreturn]] void abandon(std::chrono::milliseconds timeout) {
    std::string missing;
    for (int r = 1; r < c_.world_size; ++r) {
      if (peer(r) < 0) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
    }
    std::ostringstream msg;
    msg << "rank(s) " << missing << " of " << c_.world_size << " did not join the rendezvous on "
        << star_.hosts[0] << ":" << c_.port << " within " << timeout.count() / 1000.0
        << " s (never started, or cannot reach " << c_.address << ":" << c_.port << ")";
    stopAll(Answer::kFailed, msg.str());
    fail(msg.str());
  }

  const RendezvousConfig& c_;
  Star& star_;
};

// ---- the other ranks: join rank 0 ------------------------------------------------------------

// Connects to rank 0, retrying until `deadline` (rank 0 may start later than this rank).
Fd reachRankZero(const RendezvousConfig& c, Clock::time_point deadline,
                 std::chrono::milliseconds timeout) {
  std::string why;
  // Quick retries first (rank 0 usually starts within milliseconds), then every 200 ms.
  auto pause = std::chrono::milliseconds(2);
  while (Clock::now() < deadline) {
    Fd fd;
    why = tryConnect(c.address, c.port, std::min(deadline, Clock::now() + std::chrono::seconds(2)),
                     fd);
    if (why.empty()) return fd;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
  std::ostringstream msg;
  msg << "rank " << c.rank << " (" << thisHostname() << ") could not reach rank 0 at " << c.address
      << ":" << c.port << " within " << timeout.count() / 1000.0 << " s (" << why
      << "; is MASTER_ADDR rank 0's host, and did rank 0 start?)";
  fail(msg.str());
}

void join(const RendezvousConfig& c, Star& star, std::chrono::milliseconds timeout) {
  // Longer than rank 0 waits, so that its message, which names the missing ranks, comes first.
  const auto grace = std::min<std::chrono::milliseconds>(timeout, std::chrono::seconds(5));
  const auto deadline = Clock::now() + timeout + grace;
  star.root = reachRankZero(c, deadline, timeout);
  star.root_host = c.address;
  const std::string hello =
      encodeHello({static_cast<std::uint32_t>(c.rank), static_cast<std::uint32_t>(c.world_size),
                   c.token, thisHostname()});
  std::uint32_t answer = 0;
  std::string message;
  if (!sendAll(star.root.get(), hello.data(), hello.size()) ||
      !getU32(star.root.get(), answer, deadline) ||
      !getString(star.root.get(), message, deadline)) {
    fail("rank " + std::to_string(c.rank) + ": rank 0 at " + c.address + ":" +
         std::to_string(c.port) + " closed the rendezvous before every rank joined");
  }
  if (answer == static_cast<std::uint32_t>(Answer::kUsage)) throw UsageError(message);
  if (answer != static_cast<std::uint32_t>(Answer::kGo)) {
    fail("rank " + std::to_string(c.rank) + ": " + message);
  }
}

}  // namespace

RendezvousConfig rendezvousConfig(const EnvLookup& lookup) {
  const EnvLookup env =
      lookup ? lookup : [](const char* n) -> const char* { return std::getenv(n); };
  RendezvousConfig c;
  const bool torch_style = env("RANK") || env("WORLD_SIZE");
  const bool slurm = !torch_style && env("SLURM_PROCID");
  if (torch_style) {
    readRanks(c, env, "RANK", "WORLD_SIZE");
    c.local_rank = optionalInteger(env, "LOCAL_RANK", c.world_size - 1);
    c.local_world_size = optionalInteger(env, "LOCAL_WORLD_SIZE", c.world_size);
    c.source += "/MASTER_ADDR/MASTER_PORT";
  } else if (slurm) {
    readRanks(c, env, "SLURM_PROCID", env("SLURM_NTASKS") ? "SLURM_NTASKS" : "SLURM_NPROCS");
    c.local_rank = optionalInteger(env, "SLURM_LOCALID", c.world_size - 1);
  } else {
    c.source = "no RANK/WORLD_SIZE: a single process";
  }
  readAddress(c, env, slurm);
  c.token = jobToken(env);
  return c;
}

std::unique_ptr<JobBootstrap> rendezvous(const RendezvousConfig& c,
                                         std::chrono::milliseconds timeout) {
  auto star = std::make_shared<Star>();
  star->rank = c.rank;
  star->size = c.world_size;
  if (c.world_size > 1 && c.rank == 0) Gatherer(c, *star).run(timeout);
  if (c.rank != 0) join(c, *star, timeout);
  return std::make_unique<EnvBootstrap>(std::move(star), c);
}

std::unique_ptr<JobBootstrap> startEnvBootstrap(const Options& options) {
  return rendezvous(rendezvousConfig(), options.comm.timeout);
}

}  // namespace collbench
