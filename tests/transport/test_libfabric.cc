// libfabric-specific behaviour, over each provider the tests use (tcp;ofi_rxm, shm and
// udp;ofi_rxd): messages cut into many small pieces, several with the same tag in flight at
// once, arrive whole and complete in posting order. udp;ofi_rxd is RDM over unreliable
// datagrams (reliability and ordering in software, as EFA's RDM protocol over SRD), so its
// pieces may be retransmitted and arrive in any order: each piece carries its own sequence
// number in the tag (transports/api/tag.h), which is what reassembles them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "transports/libfabric/domain.h"
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

// Three rails and 4 KiB stripes: each message is dealt over the rails piece by piece (its last
// piece first), sizes around the stripe and a message of one byte; several messages share a tag
// and the receives of the second round are posted before the sends. Every message lands whole
// in its own receive, every rail carried data, and the rails' bytes add up to what was posted.
TEST(Rails, MessagesStripedOverEveryRailArriveWholeAndInOrder) {
  const std::vector<std::size_t> sizes = {1, 4095, 4096, 4097, 3 * 4096 + 5, (1 << 20) + 3};
  std::size_t total = 0;
  for (std::size_t n : sizes) total += n;
  auto group = std::make_shared<ThreadGroup>(2);
  runThreads(2, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    LibfabricOptions opts;
    opts.provider = "tcp";
    opts.blocking_progress = true;
    opts.rails = 3;
    opts.stripe_bytes = 4096;
    opts.reverse_pieces = true;
    LibfabricTransport tr(boot, opts);
    for (int round = 0; round < 2; ++round) {
      std::vector<std::vector<std::uint8_t>> bufs;
      std::vector<std::unique_ptr<MemoryRegion>> regions;
      for (std::size_t k = 0; k < sizes.size(); ++k) {
        bufs.push_back(rank == 0 ? pattern(sizes[k], round * 10 + static_cast<int>(k))
                                 : std::vector<std::uint8_t>(sizes[k]));
        regions.push_back(tr.registerMemory(bufs[k].data(), sizes[k], MemoryKind::kHost));
      }
      std::vector<Request> reqs;
      if (round == 1 && rank == 0) boot.barrier();  // round 1: the receives are posted first
      for (std::size_t k = 0; k < sizes.size(); ++k) {
        const Tag tag = k % 2;  // messages 0, 2, 4 and 1, 3, 5 share a tag
        reqs.push_back(rank == 0 ? tr.postSend(1, tag, *regions[k], 0, sizes[k])
                                 : tr.postRecv(0, tag, *regions[k], 0, sizes[k]));
      }
      if (round == 1 && rank == 1) boot.barrier();
      tr.wait(reqs.data(), reqs.size(), Clock::now() + 60s);
      for (std::size_t k = 0; rank == 1 && k < sizes.size(); ++k) {
        EXPECT_EQ(bufs[k], pattern(sizes[k], round * 10 + static_cast<int>(k)))
            << "round " << round << " message " << k << " (" << sizes[k] << " bytes)";
      }
      boot.barrier();
    }
    ASSERT_EQ(tr.props().devices.size(), 3u);  // the NIC of each rail, for the result file
    for (const auto& device : tr.props().devices) EXPECT_FALSE(device.empty());
    const std::vector<std::uint64_t> per_rail = tr.bytesPerRail();
    ASSERT_EQ(per_rail.size(), 3u);
    std::uint64_t sum = 0;
    for (std::size_t r = 0; r < per_rail.size(); ++r) {
      EXPECT_GT(per_rail[r], 100000u) << "rail " << r << " carried almost nothing";
      sum += per_rail[r];
    }
    EXPECT_EQ(sum, 2 * total);  // two rounds
  });
}

// fi_getinfo's list as plain structs: one info per (domain, fabric) given, in order; a fabric
// named fe80::/64 gets an IPv6 link-local source address, as the tcp provider lists them.
struct InfoList {
  explicit InfoList(const std::vector<std::pair<const char*, const char*>>& domain_fabric)
      : infos(domain_fabric.size()),
        domains(domain_fabric.size()),
        fabrics(domain_fabric.size()),
        addrs(domain_fabric.size()) {
    for (std::size_t i = 0; i < infos.size(); ++i) {
      domains[i].name = const_cast<char*>(domain_fabric[i].first);
      fabrics[i].name = const_cast<char*>(domain_fabric[i].second);
      infos[i].domain_attr = &domains[i];
      infos[i].fabric_attr = &fabrics[i];
      infos[i].next = i + 1 < infos.size() ? &infos[i + 1] : nullptr;
      if (std::string(domain_fabric[i].second) == "fe80::/64") {
        addrs[i].sin6_family = AF_INET6;
        inet_pton(AF_INET6, "fe80::1", &addrs[i].sin6_addr);
        infos[i].addr_format = FI_SOCKADDR_IN6;
        infos[i].src_addr = &addrs[i];
        infos[i].src_addrlen = sizeof(sockaddr_in6);
      }
    }
  }
  std::vector<fi_info> infos;
  std::vector<fi_domain_attr> domains;
  std::vector<fi_fabric_attr> fabrics;
  std::vector<sockaddr_in6> addrs;
};

// leadsOffHost, and the bridges of a host that has cbbr0 and docker0 (with the veth cbv0 in
// cbbr0), which the real one finds in /sys/class/net.
bool offHostWithBridges(const fi_info* info) {
  const std::string name = info->domain_attr->name;
  return leadsOffHost(info) && name != "cbbr0" && name != "cbv0" && name != "docker0";
}

std::string domainOf(InfoList& list, int local_rank) {
  return pickDomain(list.infos.data(), local_rank, offHostWithBridges)->domain_attr->name;
}

// The tcp provider on this machine while an emulated-hosts test runs: the bridge listed first,
// its veth's link-local address, then eth0's subnets, then lo's. Every local rank takes eth0's
// IPv4 subnet.
TEST(PickDomain, IpRanksTakeTheInterfaceThatLeadsOffTheHost) {
  InfoList tcp({{"cbbr0", "10.77.0.0/24"},
                {"cbv0", "fe80::/64"},
                {"eth0", "fe80::/64"},
                {"eth0", "192.0.2.0/24"},
                {"eth0", "fd00::/64"},
                {"lo", "127.0.0.1/32"},
                {"docker0", "172.17.0.0/16"}});
  for (int local_rank = 0; local_rank < 4; ++local_rank) {
    EXPECT_EQ(domainOf(tcp, local_rank), "eth0") << "local rank " << local_rank;
    EXPECT_STREQ(pickDomain(tcp.infos.data(), local_rank, offHostWithBridges)->fabric_attr->name,
                 "192.0.2.0/24");
  }
}

// Only loopback and a bridge: the first listed, rather than nothing.
TEST(PickDomain, NoInterfaceLeadingOffTheHostFallsBackToTheFirst) {
  InfoList tcp({{"cbbr0", "10.77.0.0/24"}, {"lo", "127.0.0.1/32"}});
  EXPECT_EQ(domainOf(tcp, 1), "cbbr0");
}

// EFA: one fabric, a domain per device, some listed twice and one on another fabric (dgram):
// local ranks go round the devices.
TEST(PickDomain, DevicesOfOneFabricAreSharedRoundRobin) {
  InfoList efa({{"rdmap16s27-rdm", "efa"},
                {"rdmap16s27-dgrm", "efa-dgrm"},
                {"rdmap32s27-rdm", "efa"},
                {"rdmap48s27-rdm", "efa"},
                {"rdmap32s27-rdm", "efa"}});
  const std::vector<std::string> want = {"rdmap16s27-rdm", "rdmap32s27-rdm", "rdmap48s27-rdm",
                                         "rdmap16s27-rdm"};
  for (int local_rank = 0; local_rank < 4; ++local_rank) {
    EXPECT_EQ(domainOf(efa, local_rank), want[local_rank]) << "local rank " << local_rank;
  }
}

// The real judge, on what it can see without this host's bridges: loopback and a link-local
// address never lead off the host; a device that is no network interface does.
TEST(PickDomain, LeadsOffHostKnowsLoopbackLinkLocalAndDevices) {
  InfoList list({{"lo", "127.0.0.1/32"}, {"eth0", "fe80::/64"}, {"rdmap16s27-rdm", "efa"}});
  EXPECT_FALSE(leadsOffHost(&list.infos[0]));
  EXPECT_FALSE(leadsOffHost(&list.infos[1]));
  EXPECT_TRUE(leadsOffHost(&list.infos[2]));
}

}  // namespace
}  // namespace collbench
