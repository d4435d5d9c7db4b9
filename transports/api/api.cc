#include <algorithm>
#include <cstdio>
#include <cstring>

#include "transports/api/bootstrap.h"
#include "transports/api/memory.h"
#include "transports/api/request.h"
#include "transports/api/transport.h"

namespace collbench {

const char* memoryKindName(MemoryKind kind) { return kind == MemoryKind::kCuda ? "cuda" : "host"; }

const char* opKindName(OpKind kind) { return kind == OpKind::kSend ? "send to" : "recv from"; }

bool MemoryRegion::contains(const void* ptr, std::size_t bytes) const {
  auto* p = static_cast<const std::byte*>(ptr);
  return p >= data_ && p + bytes <= data_ + bytes_;
}

std::string describe(const RequestState& state) {
  char tag[32];
  std::snprintf(tag, sizeof tag, "0x%llx", static_cast<unsigned long long>(state.tag));
  return std::string(opKindName(state.kind)) + " rank " + std::to_string(state.peer) + " tag " +
         tag + " (" + std::to_string(state.bytes) + " bytes)";
}

void checkPeer(int peer, int my_rank, int size) {
  if (peer < 0 || peer >= size || peer == my_rank) {
    throw TransportError("rank " + std::to_string(my_rank) + ": invalid peer " +
                         std::to_string(peer) + " for a group of " + std::to_string(size));
  }
}

namespace {

bool complete(const Request& r) { return !r.valid() || r.done(); }

}  // namespace

bool satisfied(const Request* reqs, std::size_t n, WaitFor until) {
  if (until == WaitFor::kAll) return std::all_of(reqs, reqs + n, complete);
  return n == 0 || std::any_of(reqs, reqs + n, complete);
}

const Request* firstPending(const Request* reqs, std::size_t n) {
  const Request* p = std::find_if_not(reqs, reqs + n, complete);
  return p == reqs + n ? nullptr : p;
}

void throwIfAnyFailed(const Request* reqs, std::size_t n, int my_rank) {
  for (std::size_t i = 0; i < n; ++i) {
    if (reqs[i].valid() && reqs[i].done()) throwIfFailed(reqs[i], my_rank);
  }
}

std::size_t Transport::waitAny(Request* reqs, std::size_t n, Deadline deadline) {
  progressUntil(reqs, n, WaitFor::kAny, deadline);
  return static_cast<std::size_t>(std::find_if(reqs, reqs + n, complete) - reqs);
}

void throwIfFailed(const Request& req, int my_rank) {
  const RequestState& s = req.state();
  if (s.error.empty()) return;
  std::string what = "rank " + std::to_string(my_rank) + ": " + describe(s) + ": " + s.error;
  if (s.error_peer >= 0) throw PeerError(what, s.error_peer);
  throw TransportError(what);
}

std::vector<std::string> allgatherStrings(Bootstrap& boot, const std::string& mine) {
  const int n = boot.size();
  std::uint64_t len = mine.size();
  std::vector<std::uint64_t> lens(n);
  boot.allgather(&len, sizeof len, lens.data());
  std::uint64_t max_len = 0;
  for (auto l : lens) max_len = std::max(max_len, l);
  std::vector<char> in(max_len + 1, 0), out((max_len + 1) * n);
  std::memcpy(in.data(), mine.data(), mine.size());
  boot.allgather(in.data(), max_len + 1, out.data());
  std::vector<std::string> result(n);
  for (int r = 0; r < n; ++r) result[r].assign(out.data() + r * (max_len + 1), lens[r]);
  return result;
}

}  // namespace collbench
