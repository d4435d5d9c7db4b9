// Test worlds: N ranks as threads of this process, over the loopback transport or over real
// TCP sockets on 127.0.0.1 (set up through a thread bootstrap).
#pragma once

#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "transports/api/bootstrap.h"
#include "transports/api/transport.h"
#include "transports/loopback/bootstrap.h"
#include "transports/loopback/transport.h"
#include "transports/nccl/simulated.h"
#include "transports/tcp/transport.h"
#if COLLBENCH_HAVE_LIBFABRIC
#include "transports/libfabric/transport.h"
#endif

namespace collbench::testing {

using RankBody = std::function<void(Transport&, Bootstrap&)>;

// ofi_rxd in libfabric 1.17 sends up to 128 unacknowledged packets per peer; with several
// tests at once on two cores the UDP socket buffers overflow and it does not recover the lost
// packets (docs/EFA.md). 4 in flight kept it reliable in every run here. Set before libfabric reads
// its parameters, at the first fi_getinfo of the process; a value from the environment wins.
inline const bool kRxdLimited = ::setenv("FI_OFI_RXD_MAX_UNACKED", "4", 0) == 0;

// Transports the tests can run over: "loopback", "tcp", "nccl:sim" (the NCCL transport over
// simulated NCCL, host memory), and "libfabric:<provider>" when libfabric was built in (tcp,
// shm, and udp, which libfabric layers under ofi_rxd: the nearest thing to EFA's reliable
// datagrams that runs without EFA hardware).
inline std::vector<std::string> testTransports() {
  std::vector<std::string> kinds = {"loopback", "tcp", "nccl:sim"};
#if COLLBENCH_HAVE_LIBFABRIC
  kinds.push_back("libfabric:tcp");
  kinds.push_back("libfabric:shm");
  kinds.push_back("libfabric:udp");  // udp;ofi_rxd: RDM over datagrams, reliability in software
#endif
  return kinds;
}

// The shared state of one test world's in-process fabrics.
struct TestFabrics {
  explicit TestFabrics(int ranks)
      : loopback(std::make_shared<LoopbackFabric>(ranks)), nccl(makeSimulatedNcclFabric(ranks)) {}
  std::shared_ptr<LoopbackFabric> loopback;
  std::shared_ptr<SimulatedNcclFabric> nccl;
};

inline std::unique_ptr<Transport> makeTestTransport(const std::string& kind, Bootstrap& boot,
                                                    const TestFabrics& fabrics,
                                                    const TcpOptions& tcp) {
  if (kind == "loopback") return std::make_unique<LoopbackTransport>(fabrics.loopback, boot.rank());
  if (kind == "nccl:sim") {
    return std::make_unique<NcclTransport>(makeSimulatedNcclBackend(fabrics.nccl, boot.rank()),
                                           boot.rank(), boot.size());
  }
  if (kind == "tcp") return std::make_unique<TcpTransport>(boot, tcp);
#if COLLBENCH_HAVE_LIBFABRIC
  if (kind.rfind("libfabric:", 0) == 0) {  // "libfabric:tcp", or "libfabric:tcp@2" for 2 rails
    LibfabricOptions opts;
    const std::size_t at = kind.find('@');
    opts.provider = kind.substr(10, at == std::string::npos ? std::string::npos : at - 10);
    if (at != std::string::npos) {
      opts.rails = std::stoi(kind.substr(at + 1));
      opts.stripe_bytes = 4096;  // messages of the tests' sizes span every rail
    }
    opts.blocking_progress = true;  // threads share two cores
    opts.spin = std::chrono::microseconds(20);
    return std::make_unique<LibfabricTransport>(boot, opts);
  }
#endif
  throw std::invalid_argument("no test transport '" + kind + "'");
}

// Runs body on `ranks` threads, each with its own transport of `kind` (see testTransports()).
// Rethrows the first failure of any rank.
inline void runWorld(const std::string& kind, int ranks, const RankBody& body,
                     TcpOptions tcp = {}) {
  tcp.spin = std::chrono::microseconds(0);  // threads share two cores: block at once
  auto group = std::make_shared<ThreadGroup>(ranks);
  TestFabrics fabrics(ranks);
  runThreads(ranks, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    std::unique_ptr<Transport> transport = makeTestTransport(kind, boot, fabrics, tcp);
    std::exception_ptr failure;  // kept until the barrier, which the other ranks wait at
    try {
      body(*transport, boot);
    } catch (...) {
      failure = std::current_exception();
    }
    boot.barrier();  // nobody closes sockets while a peer still reads them
    if (failure) std::rethrow_exception(failure);
  });
}

}  // namespace collbench::testing
