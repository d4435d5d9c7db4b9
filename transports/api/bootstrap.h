// Out-of-band group services used to set transports up: never on a data path. The harness
// implements it over MPI; tests implement it with threads.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace collbench {

class Bootstrap {
 public:
  virtual ~Bootstrap() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Blocks until every rank has contributed `bytes` bytes from `in`; `out` (caller-owned,
  // size() * bytes long) receives rank r's contribution at offset r * bytes. Collective: every
  // rank calls it with the same `bytes`. Call from the rank's main thread only.
  virtual void allgather(const void* in, std::size_t bytes, void* out) = 0;
  // Blocks until every rank has entered it.
  virtual void barrier() = 0;
  // Name of the host this rank runs on, as other ranks should print it.
  virtual std::string hostname() const = 0;
};

// Allgather of one string per rank (any length). Collective.
std::vector<std::string> allgatherStrings(Bootstrap& boot, const std::string& mine);

}  // namespace collbench
