#include "transports/registry.h"

#include <functional>
#include <stdexcept>
#include <string>

#include "transports/api/errors.h"

#if COLLBENCH_HAVE_NCCL
#include "transports/nccl/transport.h"
#endif

namespace collbench {
namespace {

struct Entry {
  TransportInfo info;
  std::function<std::unique_ptr<Transport>(Bootstrap&, const TransportOptions&)> make;
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = {
    {{"tcp", "TCP sockets, epoll progress, --tcp-streams sockets per peer"},
     [](Bootstrap& b, const TransportOptions& o) {
       return std::make_unique<TcpTransport>(b, o.tcp);
     }},
#if COLLBENCH_HAVE_LIBFABRIC
    // 1 MiB segments: libfabric's tcp provider (tcp;ofi_rxm) pays per message what our TCP
    // transport does not; with 256 KiB it ran at 0.71x our TCP ring at 4-64 MiB, 2 ranks.
    {{"libfabric", "libfabric FI_EP_RDM tagged messages; --fi-provider efa, tcp, shm, sockets",
      std::size_t{1} << 20},
     [](Bootstrap& b, const TransportOptions& o) {
       return std::make_unique<LibfabricTransport>(b, o.libfabric);
     }},
#endif
#if COLLBENCH_HAVE_NCCL
    {{"nccl", "NCCL point-to-point (ncclSend/ncclRecv) on CUDA buffers: NVLink, IB, EFA"},
     [](Bootstrap& b, const TransportOptions&) {
       return std::make_unique<NcclTransport>(makeNcclBackend(b), b.rank(), b.size());
     }},
#endif
  };
  return table;
}

}  // namespace

std::vector<TransportInfo> listTransports() {
  std::vector<TransportInfo> out;
  for (const auto& e : entries()) out.push_back(e.info);
  return out;
}

std::string transportNames() {
  std::string s;
  for (const auto& e : entries()) s += (s.empty() ? "" : ", ") + e.info.name;
  return s;
}

bool transportExists(const std::string& name) {
  for (const auto& e : entries()) {
    if (e.info.name == name) return true;
  }
  return false;
}

const TransportInfo& transportInfo(const std::string& name) {
  for (const auto& e : entries()) {
    if (e.info.name == name) return e.info;
  }
  throw std::invalid_argument("unknown transport '" + name + "'");
}

std::map<std::string, std::string> transportLibraries() {
  std::map<std::string, std::string> libs;
#if COLLBENCH_HAVE_LIBFABRIC
  try {
    libs["libfabric"] = libfabricVersion() + " (providers: " + libfabricProviders() + ")";
  } catch (const TransportError& e) {  // libfabric is loaded at run time and may be missing
    libs["libfabric"] = std::string("not loaded: ") + e.what();
  }
#endif
#if COLLBENCH_HAVE_NCCL
  libs["nccl"] = ncclLibraryVersion();
#endif
  return libs;
}

std::unique_ptr<Transport> makeTransport(const std::string& name, Bootstrap& boot,
                                         const TransportOptions& options) {
  for (const auto& e : entries()) {
    if (e.info.name == name) return e.make(boot, options);
  }
  throw std::invalid_argument("unknown transport '" + name + "'; available: " + transportNames());
}

}  // namespace collbench
