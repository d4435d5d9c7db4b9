// The floor for collbench's TCP pingpong: the same exchange over one plain TCP socket
// (TCP_NODELAY, loopback or any address), with nothing between the program and the kernel.
// scripts/bench-p2p.sh runs it beside `collbench --collective pingpong --transport tcp`, so
// the TCP transport's own cost per message is the ratio of the two.
//
//   raw_socket_pingpong server PORT SIZE ITERS WARMUP [block|spin]
//   raw_socket_pingpong client HOST PORT SIZE ITERS WARMUP [block|spin]
// `block` (the default) waits in recv(); `spin` polls recv(MSG_DONTWAIT) without sleeping, as
// collbench's transports do while a rank has a core of its own (--tcp-spin-us), so a spinning
// transport is compared with a spinning socket and the wake-up of a blocked thread is in neither.
// The client prints "<one-way us> <GB/s>": the median round trip of ITERS (after WARMUP)
// halved, as collbench's pingpong reports (p50 of half the round trip), and SIZE over it.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "raw_socket_pingpong: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

void noDelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("TCP_NODELAY");
}

void sendAll(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t k = send(fd, p, n, 0);
    if (k <= 0) die("send");
    p += k, n -= static_cast<std::size_t>(k);
  }
}

void recvAll(int fd, char* p, std::size_t n, bool spin) {
  while (n > 0) {
    const ssize_t k = recv(fd, p, n, spin ? MSG_DONTWAIT : 0);
    if (k < 0 && spin && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (k <= 0) die("recv");
    p += k, n -= static_cast<std::size_t>(k);
  }
}

int serve(int port) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
  if (listen(listener, 1) != 0) die("listen");
  const int fd = accept(listener, nullptr, nullptr);
  if (fd < 0) die("accept");
  close(listener);
  return fd;
}

int connectTo(const char* host, int port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, std::to_string(port).c_str(), &hints, &res) != 0) die("getaddrinfo");
  for (int attempt = 0; attempt < 200; ++attempt) {  // the server may not listen yet
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
      freeaddrinfo(res);
      return fd;
    }
    close(fd);
    usleep(10000);
  }
  die("connect");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string role = argc > 1 ? argv[1] : "";
  const int a = role == "client" ? 3 : 2;  // index of PORT
  const bool known_role = role == "server" || role == "client";
  const std::string mode = argc == a + 5 ? argv[a + 4] : "block";
  if (!known_role || (argc != a + 4 && argc != a + 5) || (mode != "block" && mode != "spin")) {
    std::fprintf(stderr,
                 "usage: raw_socket_pingpong server PORT SIZE ITERS WARMUP [block|spin]\n"
                 "       raw_socket_pingpong client HOST PORT SIZE ITERS WARMUP [block|spin]\n");
    return 2;
  }
  const bool client = role == "client", spin = mode == "spin";
  const int port = std::atoi(argv[a]);
  const std::size_t size = std::strtoull(argv[a + 1], nullptr, 10);
  const int iters = std::atoi(argv[a + 2]), warmup = std::atoi(argv[a + 3]);
  if (port <= 0 || size == 0 || iters <= 0 || warmup < 0) {
    std::fprintf(stderr, "raw_socket_pingpong: PORT, SIZE and ITERS must be > 0\n");
    return 2;
  }
  const int fd = client ? connectTo(argv[2], port) : serve(port);
  noDelay(fd);
  std::vector<char> buf(size, 1);
  std::vector<double> rtt_us;
  for (int i = 0; i < warmup + iters; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (client) {
      sendAll(fd, buf.data(), size);
      recvAll(fd, buf.data(), size, spin);
    } else {
      recvAll(fd, buf.data(), size, spin);
      sendAll(fd, buf.data(), size);
    }
    const std::chrono::duration<double, std::micro> t = std::chrono::steady_clock::now() - start;
    if (i >= warmup) rtt_us.push_back(t.count());
  }
  close(fd);
  if (client) {
    std::nth_element(rtt_us.begin(), rtt_us.begin() + iters / 2, rtt_us.end());
    const double one_way = rtt_us[static_cast<std::size_t>(iters / 2)] / 2;
    std::printf("%.3f %.4f\n", one_way, static_cast<double>(size) / (one_way * 1e3));
  }
  return 0;
}
