// libfabric-specific behaviour, over each provider the tests use (tcp;ofi_rxm, shm and
// udp;ofi_rxd): messages cut into many small pieces, several with the same tag in flight at
// once, arrive whole and complete in posting order. udp;ofi_rxd is RDM over unreliable
// datagrams (reliability and ordering in software, as EFA's RDM protocol over SRD), so its
// pieces may be retransmitted and arrive in any order: each piece carries its own sequence
// number in the tag (transports/api/tag.h), which is what reassembles them.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "transports/libfabric/transport.h"
#include "transports/loopback/bootstrap.h"

namespace collbench {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint8_t> pattern(std::size_t n, int salt) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::uint8_t>(i * 13 + salt * 101 + (i >> 9));
  return v;
}

class Pieces : public ::testing::TestWithParam<std::string> {};

// Rank 0 sends 6 messages of 96 KiB with one tag, each in 1 KiB pieces (576 pieces in flight),
// the pieces of each message last first;
// in the first round rank 1 posts its receives only after the sends, so that the provider
// holds them unexpected; in the second, the receives come first. Message k must land in
// receive k, intact.
TEST_P(Pieces, SameTagMessagesOfManyPiecesArriveWholeAndInOrder) {
  constexpr int kMessages = 6;
  constexpr std::size_t kBytes = 96 << 10;
  auto group = std::make_shared<ThreadGroup>(2);
  runThreads(2, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    LibfabricOptions opts;
    opts.provider = GetParam();
    opts.blocking_progress = true;
    opts.max_piece_bytes = 1024;
    opts.reverse_pieces = true;  // every message's pieces leave last first
    LibfabricTransport tr(boot, opts);
    for (int round = 0; round < 2; ++round) {
      std::vector<std::vector<std::uint8_t>> bufs;
      std::vector<std::unique_ptr<MemoryRegion>> regions;
      for (int k = 0; k < kMessages; ++k) {
        bufs.push_back(rank == 0 ? pattern(kBytes, round * 10 + k)
                                 : std::vector<std::uint8_t>(kBytes));
        regions.push_back(tr.registerMemory(bufs[k].data(), kBytes, MemoryKind::kHost));
      }
      std::vector<Request> reqs;
      auto post = [&] {
        for (int k = 0; k < kMessages; ++k) {
          reqs.push_back(rank == 0 ? tr.postSend(1, 7, *regions[k], 0, kBytes)
                                   : tr.postRecv(0, 7, *regions[k], 0, kBytes));
        }
      };
      const int first = round == 0 ? 0 : 1;  // round 0: sends first; round 1: receives first
      if (rank == first) {
        post();
        boot.barrier();
      } else {
        boot.barrier();
        std::this_thread::sleep_for(20ms);
        post();
      }
      tr.wait(reqs.data(), reqs.size(), Clock::now() + 60s);
      for (int k = 0; rank == 1 && k < kMessages; ++k) {
        EXPECT_EQ(bufs[k], pattern(kBytes, round * 10 + k))
            << "round " << round << " message " << k;
      }
      boot.barrier();
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Providers, Pieces, ::testing::Values("tcp", "shm", "udp"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace collbench
