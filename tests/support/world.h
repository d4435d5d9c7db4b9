// Test worlds: N ranks as threads of this process, over the loopback transport or over real
// TCP sockets on 127.0.0.1 (set up through a thread bootstrap).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "transports/api/bootstrap.h"
#include "transports/api/transport.h"
#include "transports/loopback/bootstrap.h"
#include "transports/loopback/transport.h"
#include "transports/tcp/transport.h"

namespace collbench::testing {

using RankBody = std::function<void(Transport&, Bootstrap&)>;

// Runs body on `ranks` threads, each with its own transport of kind "loopback" or "tcp".
// Rethrows the first failure of any rank.
inline void runWorld(const std::string& kind, int ranks, const RankBody& body,
                     TcpOptions tcp = {}) {
  tcp.spin = std::chrono::microseconds(0);  // threads share two cores: block at once
  auto group = std::make_shared<ThreadGroup>(ranks);
  auto fabric = std::make_shared<LoopbackFabric>(ranks);
  runThreads(ranks, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    std::unique_ptr<Transport> transport;
    if (kind == "loopback") {
      transport = std::make_unique<LoopbackTransport>(fabric, rank);
    } else {
      transport = std::make_unique<TcpTransport>(boot, tcp);
    }
    body(*transport, boot);
    boot.barrier();  // nobody closes sockets while a peer still reads them
  });
}

}  // namespace collbench::testing
