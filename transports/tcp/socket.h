// Small POSIX socket helpers for the TCP transport. Every function throws TransportError with
// errno's text on failure.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace collbench {
namespace tcp {

// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release();
  void reset();

 private:
  int fd_ = -1;
};

struct Listener {
  Fd fd;
  std::string ip;
  std::uint16_t port = 0;
};

// Listens on ip:0 (an ephemeral port), non-blocking.
Listener listenOn(const std::string& ip);

// Connects to ip:port within `timeout`; returns a blocking socket.
Fd connectTo(const std::string& ip, std::uint16_t port, std::chrono::milliseconds timeout);

void setNonBlocking(int fd);
// TCP_NODELAY, and send/receive buffers of `buffer_bytes` (0 leaves kernel autotuning on).
void tuneSocket(int fd, int buffer_bytes);

// Blocking exact-length I/O for the handshake; false on EOF or timeout.
bool writeFully(int fd, const void* data, std::size_t bytes);

// The IPv4 address of interface `name`, or "" if there is none by that name.
std::string interfaceAddress(const std::string& name);
// The IPv4 addresses of the interfaces that are up, not loopback and not a container or VM
// bridge (docker*, virbr*), in getifaddrs' order; and the first of them, or "" if none.
std::vector<std::string> externalAddresses();
std::string firstExternalAddress();
// "ip" unchanged when it is an IPv4 literal; the interface's address when it names one.
std::string resolveAddress(const std::string& ip_or_interface);

std::string errnoText(const std::string& what);

}  // namespace tcp
}  // namespace collbench
