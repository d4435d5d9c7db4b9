// Transport conformance: what every Transport must do, run over each transport built here.
// TCP runs with one and with three sockets per peer and a small chunk size, so that messages
// are split across sockets and arrive out of order between them.
#include <gtest/gtest.h>

#include <algorithm>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <numeric>
#include <thread>
#include <vector>

#include "tests/support/world.h"

namespace collbench {
namespace {

using namespace std::chrono_literals;

struct Flavour {
  std::string transport;
  int streams;
  int yield_us = 0;  // TCP: poll yielding the core this long before blocking
};

void PrintTo(const Flavour& f, std::ostream* os) {
  *os << f.transport << " x" << f.streams << " yield " << f.yield_us << " us";
}

class Conformance : public ::testing::TestWithParam<Flavour> {
 protected:
  void run(int ranks, const testing::RankBody& body) {
    TcpOptions tcp;
    tcp.streams = GetParam().streams;
    tcp.chunk_bytes = 4096;
    tcp.yield = std::chrono::microseconds(GetParam().yield_us);
    testing::runWorld(GetParam().transport, ranks, body, tcp);
  }
};

std::vector<std::uint8_t> pattern(std::size_t n, int salt) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::uint8_t>(i * 31 + salt * 7 + (i >> 8));
  return v;
}

Deadline soon(std::chrono::milliseconds ms = 20000ms) { return Clock::now() + ms; }

// TCP options whose waits busy-poll for `spin`, then block in epoll_wait without a yielding
// phase (spin 0: epoll only, as on a loaded host).
TcpOptions spinning(std::chrono::microseconds spin) {
  TcpOptions o;
  o.spin = spin;
  o.yield = std::chrono::microseconds(0);
  return o;
}

TEST_P(Conformance, MessagesOfManySizesArriveIntact) {
  const std::vector<std::size_t> sizes = {0, 1, 7, 4095, 4096, 4097, 100000, 3 << 20};
  run(2, [&](Transport& tr, Bootstrap&) {
    for (std::size_t n : sizes) {
      auto data = pattern(n, static_cast<int>(n % 251));
      std::vector<std::uint8_t> buf(n + 16, 0xEE);
      auto region = tr.registerMemory(tr.rank() == 0 ? data.data() : buf.data(),
                                      tr.rank() == 0 ? n + 1 : buf.size(), MemoryKind::kHost);
      if (tr.rank() == 0) {
        Request r = tr.postSend(1, 5, *region, 0, n);
        tr.wait(r, soon());
      } else {
        Request r = tr.postRecv(0, 5, *region, 8, n);
        tr.wait(r, soon());
        ASSERT_TRUE(std::equal(data.begin(), data.end(), buf.begin() + 8)) << n << " bytes";
        ASSERT_EQ(buf[7], 0xEE);
        ASSERT_EQ(buf[8 + n], 0xEE) << "wrote past the receive";
      }
    }
  });
}

// Sends with one tag match receives with that tag in posting order, and tags do not mix.
TEST_P(Conformance, SameTagInOrderAndTagsMatchIndependently) {
  constexpr int kMessages = 12;
  constexpr std::size_t kBytes = 10000;
  run(2, [&](Transport& tr, Bootstrap&) {
    std::vector<std::vector<std::uint8_t>> bufs;
    for (int i = 0; i < kMessages; ++i)
      bufs.push_back(tr.rank() == 0 ? pattern(kBytes, i) : std::vector<std::uint8_t>(kBytes));
    std::vector<std::unique_ptr<MemoryRegion>> regions;
    std::vector<Request> reqs;
    for (int i = 0; i < kMessages; ++i) {
      regions.push_back(tr.registerMemory(bufs[i].data(), kBytes, MemoryKind::kHost));
      const Tag tag = 100 + i % 2;  // two tags interleaved
      if (tr.rank() == 0) {
        reqs.push_back(tr.postSend(1, tag, *regions[i], 0, kBytes));
      }
    }
    if (tr.rank() == 1) {
      // Post tag 101's receives first: matching must not depend on posting order across tags.
      for (int i = 1; i < kMessages; i += 2)
        reqs.push_back(tr.postRecv(0, 101, *regions[i], 0, kBytes));
      for (int i = 0; i < kMessages; i += 2)
        reqs.push_back(tr.postRecv(0, 100, *regions[i], 0, kBytes));
    }
    tr.wait(reqs, soon());
    if (tr.rank() == 1) {
      for (int i = 0; i < kMessages; ++i) EXPECT_EQ(bufs[i], pattern(kBytes, i)) << "message " << i;
    }
  });
}

// waitAny returns as soon as one request completes, naming it, while the other stays pending;
// with nothing arriving it times out naming the first pending request.
TEST_P(Conformance, WaitAnyReturnsTheRequestThatCompleted) {
  if (GetParam().transport.rfind("nccl", 0) == 0) {
    GTEST_SKIP() << "NCCL completes the operations of a group together "
                    "(TransportProps::grouped_completion): the second message is sent only "
                    "after the first receive completes, which NCCL would deadlock on";
  }
  run(2, [&](Transport& tr, Bootstrap& boot) {
    auto first = pattern(3000, 1), second = pattern(5000, 2);
    std::vector<std::uint8_t> a(3000), b(5000);
    auto ra = tr.registerMemory(tr.rank() == 0 ? first.data() : a.data(), 3000, MemoryKind::kHost);
    auto rb = tr.registerMemory(tr.rank() == 0 ? second.data() : b.data(), 5000, MemoryKind::kHost);
    if (tr.rank() == 0) {
      Request s = tr.postSend(1, 21, *rb, 0, 5000);  // the second receive's message first
      tr.wait(s, soon());
      boot.barrier();
      s = tr.postSend(1, 20, *ra, 0, 3000);
      tr.wait(s, soon());
      return;
    }
    std::vector<Request> reqs = {tr.postRecv(0, 20, *ra, 0, 3000),
                                 tr.postRecv(0, 21, *rb, 0, 5000)};
    EXPECT_EQ(tr.waitAny(reqs, soon()), 1u);
    EXPECT_EQ(b, second);
    EXPECT_FALSE(reqs[0].done());             // its message is sent only after the barrier
    EXPECT_EQ(tr.waitAny(reqs, soon()), 1u);  // still the lowest completed one
    std::vector<Request> none = {reqs[0]};
    try {
      tr.waitAny(none, Clock::now() + 100ms);
      ADD_FAILURE() << "waitAny returned with nothing complete";
    } catch (const TimeoutError& e) {
      EXPECT_NE(std::string(e.what()).find("recv from rank 0 tag 0x14"), std::string::npos)
          << e.what();
    }
    boot.barrier();
    tr.wait(reqs[0], soon());
    EXPECT_EQ(a, first);
  });
}

// A message that arrives before its receive is posted is kept and delivered later.
TEST_P(Conformance, SendBeforeReceiveIsPosted) {
  run(2, [&](Transport& tr, Bootstrap& boot) {
    auto data = pattern(50000, 3);
    std::vector<std::uint8_t> buf(50000);
    auto region =
        tr.registerMemory(tr.rank() == 0 ? data.data() : buf.data(), 50000, MemoryKind::kHost);
    Request r;
    if (tr.rank() == 0) r = tr.postSend(1, 9, *region, 0, 50000);
    boot.barrier();
    if (tr.rank() == 1) {
      std::this_thread::sleep_for(50ms);
      r = tr.postRecv(0, 9, *region, 0, 50000);
    }
    tr.wait(r, soon());
    if (tr.rank() == 1) {
      EXPECT_EQ(buf, data);
    }
  });
}

// Rounds of messages that all arrive before their receives, larger then smaller, so that a
// transport reusing the buffers of unexpected messages hands each round a used one.
TEST_P(Conformance, UnexpectedMessagesOfChangingSizesArriveIntact) {
  const std::size_t sizes[] = {50000, 100, 20000, 1};
  run(2, [&](Transport& tr, Bootstrap& boot) {
    for (int round = 0; round < 3; ++round) {
      std::vector<std::vector<std::uint8_t>> bufs;
      std::vector<std::unique_ptr<MemoryRegion>> regions;
      std::vector<Request> reqs;
      for (std::size_t i = 0; i < std::size(sizes); ++i) {
        const int salt = round * 10 + static_cast<int>(i);
        bufs.push_back(tr.rank() == 0 ? pattern(sizes[i], salt)
                                      : std::vector<std::uint8_t>(sizes[i]));
        regions.push_back(tr.registerMemory(bufs[i].data(), sizes[i], MemoryKind::kHost));
        if (tr.rank() == 0) reqs.push_back(tr.postSend(1, 20 + i, *regions[i], 0, sizes[i]));
      }
      boot.barrier();
      if (tr.rank() == 1) {
        std::this_thread::sleep_for(20ms);  // every message is in before its receive
        for (std::size_t i = 0; i < std::size(sizes); ++i)
          reqs.push_back(tr.postRecv(0, 20 + i, *regions[i], 0, sizes[i]));
      }
      tr.wait(reqs.data(), reqs.size(), soon());
      for (std::size_t i = 0; tr.rank() == 1 && i < std::size(sizes); ++i) {
        EXPECT_EQ(bufs[i], pattern(sizes[i], round * 10 + static_cast<int>(i))) << round << i;
      }
      boot.barrier();
    }
  });
}

// Every rank exchanges a distinct message with every other, at 2, 3 and 4 ranks.
TEST_P(Conformance, EveryPairExchangesAtTwoThreeAndFourRanks) {
  for (int ranks : {2, 3, 4}) {
    run(ranks, [&](Transport& tr, Bootstrap&) {
      const int me = tr.rank(), n = tr.size();
      std::vector<std::vector<std::uint8_t>> out(n), in(n);
      std::vector<std::unique_ptr<MemoryRegion>> regions;
      std::vector<Request> reqs;
      for (int p = 0; p < n; ++p) {
        if (p == me) continue;
        out[p] = pattern(20000, me * 10 + p);
        in[p].assign(20000, 0);
        regions.push_back(tr.registerMemory(in[p].data(), 20000, MemoryKind::kHost));
        reqs.push_back(tr.postRecv(p, 1, *regions.back(), 0, 20000));
        regions.push_back(tr.registerMemory(out[p].data(), 20000, MemoryKind::kHost));
        reqs.push_back(tr.postSend(p, 1, *regions.back(), 0, 20000));
      }
      tr.wait(reqs, soon());
      for (int p = 0; p < n; ++p) {
        if (p != me) {
          EXPECT_EQ(in[p], pattern(20000, p * 10 + me)) << n << " ranks: " << me << " from " << p;
        }
      }
    });
  }
}

TEST_P(Conformance, TimeoutNamesPeerAndTag) {
  run(2, [&](Transport& tr, Bootstrap& boot) {
    if (tr.rank() == 0) {
      std::vector<std::uint8_t> buf(16);
      auto region = tr.registerMemory(buf.data(), 16, MemoryKind::kHost);
      Request r = tr.postRecv(1, 0x2a, *region, 0, 16);
      try {
        tr.wait(r, Clock::now() + 200ms);
        ADD_FAILURE() << "wait returned without a sender";
      } catch (const TimeoutError& e) {
        EXPECT_EQ(e.peer(), 1);
        EXPECT_EQ(e.tag(), 0x2au);
        EXPECT_NE(
            std::string(e.what()).find("rank 0: timed out waiting for recv from rank 1 tag 0x2a"),
            std::string::npos)
            << e.what();
      }
    }
    boot.barrier();
  });
}

TEST_P(Conformance, MessageLargerThanReceiveFails) {
  run(2, [&](Transport& tr, Bootstrap&) {
    std::vector<std::uint8_t> buf(100, 1);
    auto region = tr.registerMemory(buf.data(), buf.size(), MemoryKind::kHost);
    if (tr.rank() == 0) {
      Request r = tr.postSend(1, 3, *region, 0, 100);
      try {
        tr.wait(r, soon(2000ms));  // may fail (loopback) or complete (tcp, eager)
      } catch (const TransportError&) {
      }
    } else {
      std::vector<std::uint8_t> in(100, 0);
      auto in_region = tr.registerMemory(in.data(), in.size(), MemoryKind::kHost);
      Request r = tr.postRecv(0, 3, *in_region, 0, 50);
      try {
        tr.wait(r, soon());
        // Only a transport that says so in its limitations may cut the message short.
        EXPECT_NE(tr.props().limitations.find("cut short"), std::string::npos)
            << "a 100-byte message fit a 50-byte receive";
        EXPECT_EQ(std::count(in.begin(), in.end(), 1), 50);  // the first 50 bytes, no more
      } catch (const TransportError& e) {
        EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
      }
    }
  });
}

TEST_P(Conformance, InvalidPeerIsRejected) {
  run(2, [&](Transport& tr, Bootstrap&) {
    std::vector<std::uint8_t> buf(8);
    auto region = tr.registerMemory(buf.data(), 8, MemoryKind::kHost);
    EXPECT_THROW(tr.postSend(2, 0, *region, 0, 8), TransportError);
    EXPECT_THROW(tr.postRecv(tr.rank(), 0, *region, 0, 8), TransportError);
  });
}

std::vector<Flavour> flavours() {
  std::vector<Flavour> out;
  for (const auto& kind : testing::testTransports()) out.push_back({kind, 1});
  out.push_back({"tcp", 3});
  out.push_back({"tcp", 2, 2000});  // the waiting mode chosen when ranks outnumber cores
#if COLLBENCH_HAVE_LIBFABRIC
  out.push_back({"libfabric:tcp@3", 1});  // three rails, messages striped over them
#endif
  return out;
}

INSTANTIATE_TEST_SUITE_P(All, Conformance, ::testing::ValuesIn(flavours()), [](const auto& info) {
  std::string name = info.param.transport;
  const std::size_t at = name.find('@');  // libfabric:tcp@3 -> libfabric_tcp_3rails
  if (at != std::string::npos) {
    name = name.substr(0, at) + "_" + name.substr(at + 1) + "rails";
  } else {
    name += "_" + std::to_string(info.param.streams) + "streams";
  }
  if (info.param.yield_us > 0) name += "_yield";
  std::replace(name.begin(), name.end(), ':', '_');
  return name;
});

// A dead peer is noticed through the transport, well before the deadline, and named.
TEST(DeadPeer, LoopbackKillFailsPendingReceive) {
  auto fabric = std::make_shared<LoopbackFabric>(2);
  LoopbackTransport t0(fabric, 0);
  std::vector<std::uint8_t> buf(8);
  auto region = t0.registerMemory(buf.data(), 8, MemoryKind::kHost);
  Request r = t0.postRecv(1, 1, *region, 0, 8);
  std::thread killer([&] {
    std::this_thread::sleep_for(50ms);
    fabric->kill(1);
  });
  try {
    t0.wait(r, Clock::now() + 20s);
    ADD_FAILURE() << "wait returned";
  } catch (const PeerError& e) {
    EXPECT_EQ(e.peer(), 1);
    EXPECT_NE(std::string(e.what()).find("rank 1"), std::string::npos) << e.what();
  }
  killer.join();
}

TEST(DeadPeer, TcpClosedConnectionFailsPendingReceiveQuickly) {
  auto group = std::make_shared<ThreadGroup>(2);
  runThreads(2, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    auto tr = std::make_unique<TcpTransport>(boot, TcpOptions{});
    std::vector<std::uint8_t> buf(64);
    auto region = tr->registerMemory(buf.data(), 64, MemoryKind::kHost);
    // One exchange so that the connection exists.
    Request r = rank == 0 ? tr->postSend(1, 1, *region, 0, 64) : tr->postRecv(0, 1, *region, 0, 64);
    tr->wait(r, soon());
    boot.barrier();
    if (rank == 1) {
      tr.reset();  // rank 1 "dies": its sockets close
      boot.barrier();
      return;
    }
    boot.barrier();
    Request pending = tr->postRecv(1, 2, *region, 0, 64);
    const auto start = Clock::now();
    try {
      tr->wait(pending, Clock::now() + 30s);
      ADD_FAILURE() << "wait returned";
    } catch (const PeerError& e) {
      EXPECT_EQ(e.peer(), 1);
      EXPECT_NE(std::string(e.what()).find("rank 1 (localhost)"), std::string::npos) << e.what();
    }
    EXPECT_LT(Clock::now() - start, 5s);
  });
}

// TCP reads headers and payloads of up to 4 KiB + 256 B through a per-socket buffer and longer
// payloads straight into place: messages on both sides of that bound, in the default 64 KiB
// chunks, sent back to back so that several share one read, half of them before their receives
// are posted; then small round trips, which a spinning receive reads without epoll. Every byte
// is checked, and the bytes around each receive stay untouched.
TEST(TcpReadAhead, MessagesAroundTheBufferSizeArriveIntactBackToBack) {
  const std::vector<std::size_t> sizes = {1,    40,   4095,  4096,  4312,  4352,   4353,
                                          8704, 8705, 65535, 65536, 65537, 200000, 0};
  auto group = std::make_shared<ThreadGroup>(2);
  runThreads(2, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    TcpTransport tr(boot, TcpOptions{});
    std::vector<std::vector<std::uint8_t>> bufs;
    std::vector<std::unique_ptr<MemoryRegion>> regions;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      bufs.push_back(rank == 0 ? pattern(sizes[i], static_cast<int>(i))
                               : std::vector<std::uint8_t>(sizes[i] + 2, 0xEE));
      regions.push_back(tr.registerMemory(bufs[i].data(), bufs[i].size(), MemoryKind::kHost));
    }
    std::vector<Request> reqs;
    const std::size_t early = sizes.size() / 2;  // receives posted before the sends
    for (std::size_t i = 0; rank == 1 && i < early; ++i)
      reqs.push_back(tr.postRecv(0, 30 + i, *regions[i], 1, sizes[i]));
    boot.barrier();
    for (std::size_t i = 0; rank == 0 && i < sizes.size(); ++i)
      reqs.push_back(tr.postSend(1, 30 + i, *regions[i], 0, sizes[i]));
    for (std::size_t i = early; rank == 1 && i < sizes.size(); ++i)
      reqs.push_back(tr.postRecv(0, 30 + i, *regions[i], 1, sizes[i]));
    tr.wait(reqs.data(), reqs.size(), soon());
    for (std::size_t i = 0; rank == 1 && i < sizes.size(); ++i) {
      const auto expected = pattern(sizes[i], static_cast<int>(i));
      EXPECT_TRUE(std::equal(expected.begin(), expected.end(), bufs[i].begin() + 1)) << sizes[i];
      EXPECT_EQ(bufs[i].front(), 0xEE) << sizes[i];
      EXPECT_EQ(bufs[i].back(), 0xEE) << sizes[i] << " bytes: wrote past the receive";
    }
    std::vector<std::uint8_t> word(8);
    auto w = tr.registerMemory(word.data(), word.size(), MemoryKind::kHost);
    for (int round = 0; round < 200; ++round) {
      if (rank == 0) std::fill(word.begin(), word.end(), static_cast<std::uint8_t>(round));
      Request r = rank == 0 ? tr.postSend(1, 50, *w, 0, 8) : tr.postRecv(0, 50, *w, 0, 8);
      tr.wait(r, soon());
      Request back = rank == 0 ? tr.postRecv(1, 51, *w, 0, 8) : tr.postSend(0, 51, *w, 0, 8);
      tr.wait(back, soon());
      ASSERT_EQ(word, std::vector<std::uint8_t>(8, static_cast<std::uint8_t>(round))) << round;
    }
  });
}

// A short message goes in one send() with its header when nothing is queued before it. With a
// small send buffer and the receives posted late, those sends fill the socket: one finds it
// full and the rest queue behind it. All arrive intact. (The receiver keeps the kernel's buffer
// sizes: a tiny receive window would stall on TCP's persist timer. A send cut short is not
// provoked here: loopback's 64 KiB segments take a short message whole or not at all.)
TEST(TcpShortSends, FillTheSocketThenDrainIntact) {
  constexpr int kMessages = 200;
  constexpr std::size_t kBytes = 3000;
  auto group = std::make_shared<ThreadGroup>(2);
  runThreads(2, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    TcpOptions opts;
    opts.socket_buffer_bytes = rank == 0 ? 4096 : 0;  // the kernel's floor is near 4096
    TcpTransport tr(boot, opts);
    std::vector<std::vector<std::uint8_t>> bufs;
    std::vector<std::unique_ptr<MemoryRegion>> regions;
    for (int i = 0; i < kMessages; ++i) {
      bufs.push_back(rank == 0 ? pattern(kBytes, i) : std::vector<std::uint8_t>(kBytes, 0xEE));
      regions.push_back(tr.registerMemory(bufs[i].data(), kBytes, MemoryKind::kHost));
    }
    std::vector<Request> reqs;
    for (int i = 0; rank == 0 && i < kMessages; ++i)
      reqs.push_back(tr.postSend(1, 70 + i, *regions[i], 0, kBytes));
    const bool some_queued =
        rank == 0 && std::any_of(reqs.begin(), reqs.end(), [](auto& r) { return !r.done(); });
    boot.barrier();  // rank 1 posts its receives only now
    for (int i = 0; rank == 1 && i < kMessages; ++i)
      reqs.push_back(tr.postRecv(0, 70 + i, *regions[i], 0, kBytes));
    tr.wait(reqs.data(), reqs.size(), soon());
    if (rank == 0) {
      EXPECT_TRUE(some_queued) << "the socket never filled; the test tests nothing";
    }
    for (int i = 0; rank == 1 && i < kMessages; ++i) {
      ASSERT_EQ(bufs[i], pattern(kBytes, i)) << "message " << i;
    }
  });
}

// Waits that spin on small receives from one peer take its socket out of epoll from the second
// wait on; a wait on another peer, a large receive, and a wait that outlasts the spin put it
// back. Rank 0 spins on rank 1 three times, then waits for rank 2 while rank 1's next messages
// (small and large) arrive, then for rank 1 again, and last for a message rank 1 sends only
// after rank 0's spin has run out. Every message must arrive, in place and intact.
TEST(TcpDetachedSockets, WaitsOnOnePeerThenOthersMissNothing) {
  constexpr std::size_t kSmall = 8, kLarge = 256 * 1024;
  struct Message {
    int from;
    Tag tag;
    std::size_t bytes;
  };
  const std::vector<Message> script = {{1, 10, kSmall}, {1, 11, kSmall}, {1, 12, kSmall},
                                       {2, 20, kSmall}, {1, 13, kSmall}, {1, 14, kLarge},
                                       {1, 15, kSmall}, {1, 16, kSmall}, {1, 17, kSmall}};
  auto group = std::make_shared<ThreadGroup>(3);
  runThreads(3, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    TcpTransport tr(boot, spinning(5ms));
    std::vector<std::vector<std::uint8_t>> bufs;
    std::vector<std::unique_ptr<MemoryRegion>> regions;
    for (std::size_t i = 0; i < script.size(); ++i) {
      const Message& m = script[i];
      bufs.push_back(rank == 0 ? std::vector<std::uint8_t>(m.bytes, 0xEE)
                               : pattern(m.bytes, static_cast<int>(m.tag)));
      regions.push_back(tr.registerMemory(bufs[i].data(), m.bytes, MemoryKind::kHost));
    }
    auto send = [&](std::size_t i) {
      Request r = tr.postSend(0, script[i].tag, *regions[i], 0, script[i].bytes);
      tr.wait(&r, 1, soon());
    };
    auto receive = [&](std::size_t i) {
      Request r = tr.postRecv(script[i].from, script[i].tag, *regions[i], 0, script[i].bytes);
      tr.wait(&r, 1, soon());
      ASSERT_EQ(bufs[i], pattern(script[i].bytes, static_cast<int>(script[i].tag)))
          << "message with tag " << script[i].tag;
    };
    for (std::size_t i = 0; i < 3; ++i) {
      if (rank == 0) receive(i);
      if (rank == 1) send(i);
    }
    boot.barrier();  // rank 1's socket is out of epoll at rank 0 now
    if (rank == 1) {
      for (std::size_t i = 4; i < 6; ++i) send(i);
    } else if (rank == 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // rank 1's arrive first
      send(3);
    } else {
      for (std::size_t i = 3; i < 6; ++i) receive(i);
    }
    boot.barrier();
    if (rank == 1) {
      send(6);
      send(7);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // past rank 0's spin
      send(8);
    } else if (rank == 0) {
      for (std::size_t i = 6; i < 9; ++i) receive(i);
    }
  });
}

// Waits on `r`, which must fail because `peer` went away, saying `words`; a timeout means the
// peer's close went unnoticed.
void expectPeerLost(Transport& tr, Request& r, int peer, const std::string& words,
                    Deadline deadline) {
  try {
    tr.wait(&r, 1, deadline);
    ADD_FAILURE() << "a receive from a closed peer succeeded";
  } catch (const TimeoutError& e) {
    ADD_FAILURE() << "rank " << peer << "'s close went unnoticed: " << e.what();
  } catch (const PeerError& e) {
    EXPECT_EQ(e.peer(), peer);
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

// A peer whose sockets are out of epoll (rank 0 spun on it twice) closes them while rank 0
// waits on another peer: that wait (for a message rank 2 never sends, until its deadline) puts
// rank 1's sockets back, sees the close, and a receive from rank 1 posted afterwards has
// failed at once, naming rank 1.
TEST(TcpDetachedSockets, PeerClosingWhileDetachedIsNoticedDuringAnotherWait) {
  auto group = std::make_shared<ThreadGroup>(3);
  runThreads(3, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    auto tr = std::make_unique<TcpTransport>(boot, spinning(5ms));
    std::vector<std::uint8_t> buf(8, static_cast<std::uint8_t>(rank));
    auto region = tr->registerMemory(buf.data(), buf.size(), MemoryKind::kHost);
    for (Tag tag = 1; tag <= 2 && rank != 2; ++tag) {
      Request r =
          rank == 0 ? tr->postRecv(1, tag, *region, 0, 8) : tr->postSend(0, tag, *region, 0, 8);
      tr->wait(r, soon());
    }
    boot.barrier();
    if (rank == 1) tr.reset();  // its sockets close while rank 0's are out of epoll
    boot.barrier();
    if (rank == 0) {
      Request never = tr->postRecv(2, 3, *region, 0, 8);
      EXPECT_THROW(tr->wait(never, Clock::now() + 300ms), TimeoutError);
      Request from1 = tr->postRecv(1, 4, *region, 0, 8);
      ASSERT_TRUE(from1.done()) << "rank 1's close went unnoticed while its socket was detached";
      expectPeerLost(*tr, from1, 1, "rank 1", soon());
    }
    boot.barrier();
  });
}

// A peer that sends its last message and closes at once: the message and the close reach the
// receiver's socket before it looks, so one epoll event carries both (EPOLLIN | EPOLLRDHUP),
// and no later edge will come. The receiver (no spin: epoll only, as on a loaded host) gets the
// message, and its next receive from that peer fails naming it instead of waiting for its
// deadline. A drain that stops at the short read of the message loses the close.
TEST(TcpPeerClose, CloseArrivingWithTheLastMessageIsNoticed) {
  auto group = std::make_shared<ThreadGroup>(2);
  runThreads(2, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    auto tr = std::make_unique<TcpTransport>(boot, spinning(0us));
    std::vector<std::uint8_t> buf(8);
    auto region = tr->registerMemory(buf.data(), buf.size(), MemoryKind::kHost);
    Request hello =
        rank == 0 ? tr->postSend(1, 0, *region, 0, 8) : tr->postRecv(0, 0, *region, 0, 8);
    tr->wait(&hello, 1, soon());  // connected both ways
    if (rank == 1) {
      const auto message = pattern(8, 7);
      std::copy(message.begin(), message.end(), buf.begin());  // into the registered memory
      Request r = tr->postSend(0, 1, *region, 0, 8);
      tr->wait(&r, 1, soon());
      region.reset();
      tr.reset();  // closes right behind the message
    }
    boot.barrier();
    if (rank == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both are in the socket
      Request r = tr->postRecv(1, 1, *region, 0, 8);
      tr->wait(&r, 1, soon());
      EXPECT_EQ(buf, pattern(8, 7));
      Request next = tr->postRecv(1, 2, *region, 0, 8);
      expectPeerLost(*tr, next, 1, "connection closed by rank 1", soon(3000ms));
    }
  });
}

// Connections that do not present this job's token are dropped; the job goes on unharmed.
TEST(TcpSecurity, StrangersAreDroppedAndTheJobContinues) {
  auto group = std::make_shared<ThreadGroup>(2);
  std::string rank1_address;
  runThreads(2, [&](int rank) {
    ThreadBootstrap boot(group, rank);
    TcpTransport tr(boot, spinning(0us));
    if (rank == 1) rank1_address = tr.listenAddress();
    boot.barrier();
    if (rank == 0) {
      const auto colon = rank1_address.find(':');
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(rank1_address.substr(colon + 1))));
      inet_pton(AF_INET, rank1_address.substr(0, colon).c_str(), &addr.sin_addr);
      // A port scanner's bytes, and a well-formed handshake with the wrong job token.
      std::string http = "GET / HTTP/1.0\r\n\r\n";
      struct {
        std::uint32_t magic = 0x43425431, rank = 0, stream = 0, streams = 1;
        std::uint64_t token = 12345;
      } forged;
      std::string hello(reinterpret_cast<const char*>(&forged), sizeof forged);
      for (const std::string& junk : {http, hello}) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        ASSERT_EQ(::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(junk.size()));
        ::close(fd);
      }
    }
    boot.barrier();
    auto data = pattern(100000, 1);
    std::vector<std::uint8_t> buf(100000);
    auto region =
        tr.registerMemory(rank == 0 ? data.data() : buf.data(), 100000, MemoryKind::kHost);
    Request r =
        rank == 0 ? tr.postSend(1, 4, *region, 0, 100000) : tr.postRecv(0, 4, *region, 0, 100000);
    tr.wait(r, soon());
    if (rank == 1) {
      EXPECT_EQ(buf, data);
      EXPECT_EQ(tr.rejectedConnections(), 2u);
    }
    boot.barrier();
  });
}

}  // namespace
}  // namespace collbench
