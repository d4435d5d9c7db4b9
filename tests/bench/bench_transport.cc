// Send/receive between two threads of this process over the loopback and TCP transports
// (Google Benchmark). Each iteration is a ping-pong: rank 0 sends `bytes` to rank 1, which
// sends them back; the time reported is the round trip, bytes_per_second counts both
// directions. TCP runs over 127.0.0.1 with the options collbench uses on an idle host
// (50 us busy-poll, then epoll_wait).
//   tests/bench/bench_transport [--benchmark_filter=tcp]
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "transports/loopback/bootstrap.h"
#include "transports/loopback/transport.h"
#include "transports/tcp/transport.h"

namespace collbench {
namespace {

constexpr Tag kPingTag = 1;

std::unique_ptr<Transport> makeTransport(const std::string& kind, Bootstrap& boot,
                                         const std::shared_ptr<LoopbackFabric>& fabric) {
  if (kind == "loopback") return std::make_unique<LoopbackTransport>(fabric, boot.rank());
  return std::make_unique<TcpTransport>(boot, TcpOptions{});
}

Deadline later() { return Clock::now() + std::chrono::seconds(60); }

// Rank 0 runs the timed loop; rank 1 answers exactly as many pings (known before the loop).
void pingpong(benchmark::State& state, Transport& tr, std::size_t bytes) {
  std::vector<std::byte> buf(bytes);
  auto region = tr.registerMemory(buf.data(), bytes, MemoryKind::kHost);
  const int peer = 1 - tr.rank();
  if (tr.rank() == 0) {
    for (auto _ : state) {
      Request s = tr.postSend(peer, kPingTag, *region, 0, bytes);
      Request r = tr.postRecv(peer, kPingTag, *region, 0, bytes);
      tr.wait(s, later());
      tr.wait(r, later());
    }
    return;
  }
  for (benchmark::IterationCount i = 0; i < state.max_iterations; ++i) {
    Request r = tr.postRecv(peer, kPingTag, *region, 0, bytes);
    tr.wait(r, later());
    Request s = tr.postSend(peer, kPingTag, *region, 0, bytes);
    tr.wait(s, later());
  }
}

void BM_pingpong(benchmark::State& state, const std::string& kind) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  auto group = std::make_shared<ThreadGroup>(2);
  auto fabric = std::make_shared<LoopbackFabric>(2);
  runThreads(2, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    auto tr = makeTransport(kind, boot, fabric);
    boot.barrier();
    pingpong(state, *tr, bytes);
    boot.barrier();  // nobody closes sockets while the peer still reads them
  });
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes * 2));
}

int registerAll() {
  for (const char* kind : {"loopback", "tcp"}) {
    benchmark::RegisterBenchmark((std::string("pingpong/") + kind).c_str(), BM_pingpong, kind)
        ->RangeMultiplier(16)
        ->Range(8, 64 << 20)
        ->UseRealTime();
  }
  return 0;
}

const int registered = registerAll();

}  // namespace
}  // namespace collbench

BENCHMARK_MAIN();
