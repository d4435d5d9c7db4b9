#include "transports/tcp/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "transports/api/errors.h"

namespace collbench {
namespace tcp {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() { reset(); }

int Fd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

namespace {

sockaddr_in makeAddress(const std::string& ip, std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) {
    throw TransportError("'" + ip + "' is not an IPv4 address or interface name");
  }
  return addr;
}

}  // namespace

Listener listenOn(const std::string& ip) {
  sockaddr_in addr = makeAddress(ip, 0);
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) throw TransportError(errnoText("socket"));
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw TransportError(errnoText("bind to " + ip));
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) throw TransportError(errnoText("listen"));
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return Listener{std::move(fd), ip, ntohs(addr.sin_port)};
}

Fd connectTo(const std::string& ip, std::uint16_t port, std::chrono::milliseconds timeout) {
  sockaddr_in addr = makeAddress(ip, port);
  const std::string where = ip + ":" + std::to_string(port);
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) throw TransportError(errnoText("socket"));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) throw TransportError(errnoText("connect to " + where));
    pollfd p{fd.get(), POLLOUT, 0};
    int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready == 0) throw TransportError("connect to " + where + ": timed out");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (ready < 0 || err != 0) {
      errno = ready < 0 ? errno : err;
      throw TransportError(errnoText("connect to " + where));
    }
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

void setNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    throw TransportError(errnoText("fcntl(O_NONBLOCK)"));
  }
}

void tuneSocket(int fd, int buffer_bytes) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (buffer_bytes > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
  }
}

bool writeFully(int fd, const void* data, std::size_t bytes) {
  auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    ssize_t n = ::send(fd, p, bytes, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

namespace {

// Calls fn(name, ipv4 text, flags) for every IPv4 interface address.
template <typename Fn>
void forEachIpv4(Fn fn) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    if (fn(std::string(a->ifa_name), std::string(text), a->ifa_flags)) break;
  }
  ::freeifaddrs(list);
}

}  // namespace

std::string interfaceAddress(const std::string& name) {
  std::string found;
  forEachIpv4([&](const std::string& ifname, const std::string& ip, unsigned) {
    if (ifname == name) found = ip;
    return !found.empty();
  });
  return found;
}

std::vector<std::string> externalAddresses() {
  std::vector<std::string> found;
  forEachIpv4([&](const std::string& name, const std::string& ip, unsigned flags) {
    // Container and VM bridges are up on many hosts but lead nowhere off the host.
    const bool bridge = name.rfind("docker", 0) == 0 || name.rfind("virbr", 0) == 0;
    if ((flags & IFF_UP) && !(flags & IFF_LOOPBACK) && !bridge) found.push_back(ip);
    return false;
  });
  return found;
}

std::string firstExternalAddress() {
  const std::vector<std::string> all = externalAddresses();
  return all.empty() ? "" : all.front();
}

std::string resolveAddress(const std::string& ip_or_interface) {
  in_addr probe{};
  if (inet_pton(AF_INET, ip_or_interface.c_str(), &probe) == 1) return ip_or_interface;
  std::string ip = interfaceAddress(ip_or_interface);
  if (ip.empty()) {
    throw TransportError("--tcp-addr '" + ip_or_interface +
                         "' is neither an IPv4 address nor an interface with an IPv4 address");
  }
  return ip;
}

}  // namespace tcp
}  // namespace collbench
