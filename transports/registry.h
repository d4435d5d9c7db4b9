// The one place that knows which transports were built. Adding a transport is one folder plus
// one entry in registry.cc.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "transports/api/bootstrap.h"
#include "transports/api/transport.h"
#include "transports/libfabric/transport.h"
#include "transports/tcp/transport.h"

namespace collbench {

// Options of every transport; each reads its own part.
struct TransportOptions {
  TcpOptions tcp;
  LibfabricOptions libfabric;
};

struct TransportInfo {
  std::string name;
  std::string description;
  // The pipelining segment of ring and tree when --segment-bytes is not given: what this
  // transport ran best with (docs/PERFORMANCE.md).
  std::size_t segment_bytes = std::size_t{256} << 10;
};

// Transports that collbench can run on (the test-only loopback transport is not listed).
std::vector<TransportInfo> listTransports();
std::string transportNames();
bool transportExists(const std::string& name);
// The entry of a built-in transport; throws std::invalid_argument for an unknown name.
const TransportInfo& transportInfo(const std::string& name);

// Versions of the libraries the built-in transports use, e.g. {"libfabric": "1.17"}.
std::map<std::string, std::string> transportLibraries();

// Collective over boot. Throws std::invalid_argument for an unknown name.
std::unique_ptr<Transport> makeTransport(const std::string& name, Bootstrap& boot,
                                         const TransportOptions& options);

}  // namespace collbench
