// Every collective's own algorithms, driven by the collective's descriptor: buffers shaped as
// the descriptor says, inputs filled and outputs checked element by element by it, over
// in-process transports, at rank counts 1 to 8, element counts from 0 to not divisible by the
// rank count, every dtype and op, in and out of place, and several roots.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <tuple>
#include <vector>

#include "collectives/api/collective.h"
#include "collectives/registry.h"
#include "tests/support/world.h"

namespace collbench {
namespace {

struct Case {
  DataType dtype;
  ReduceOp op;
};

std::vector<Case> casesFor(const CollectiveDescriptor& coll, std::size_t count) {
  if (count > 10000)
    return {{DataType::kFloat32, ReduceOp::kSum}, {DataType::kBFloat16, ReduceOp::kAvg}};
  std::vector<Case> cases;
  for (DataType t : allDataTypes()) {
    for (ReduceOp op : allReduceOps()) {
      cases.push_back({t, op});
      if (!coll.uses_op) break;
    }
  }
  return cases;
}

std::vector<int> rootsFor(const CollectiveDescriptor& coll, int ranks) {
  if (!coll.has_root) return {0};
  std::vector<int> roots{0};  // then the middle and the last rank, each once (ascending)
  for (int r : {ranks / 2, ranks - 1}) {
    if (r != roots.back()) roots.push_back(r);
  }
  return roots;
}

// The descriptor's shape for `count` elements per rank's part, without nccl-tests' rounding, so
// that odd counts reach the algorithms.
BufferShape exactShape(const CollectiveDescriptor& coll, std::size_t count, int ranks) {
  CollectiveDescriptor unaligned = coll;
  unaligned.align_bytes = 0;
  const bool per_rank = coll.layout != Layout::kSame;
  return unaligned.shape(per_rank ? count * ranks : count, 1, ranks);
}

struct Call {
  const CollectiveDescriptor& coll;
  Algorithm& algo;
  Communicator& comm;
  Case c;
  int root;
  bool in_place;
};

// Returns "" when every element is right, else a description of the first failure.
std::string runAndCheck(const Call& k, std::size_t count, std::uint64_t seed) {
  const int rank = k.comm.rank(), n = k.comm.size();
  const BufferShape shape = exactShape(k.coll, count, n);
  const std::size_t bytes = shape.bufferCount() * dtypeSize(k.c.dtype);
  std::vector<std::byte> send(bytes + 1), recv(bytes + 1, std::byte{0x5A});
  const CollArgs args =
      k.coll.args(shape, send.data(), recv.data(), k.in_place, rank, k.c.dtype, k.c.op, k.root);
  k.coll.fill(args, rank, n, seed, const_cast<void*>(args.send));
  k.algo.run(k.comm, args);
  k.comm.releaseRegions();
  const CheckResult res = k.coll.check(args, rank, n, seed, args.recv);
  if (res.wrong == 0 && recv[bytes] == std::byte{0x5A}) return "";
  std::ostringstream msg;
  msg << k.coll.name << " " << k.algo.name() << " rank " << rank << "/" << n << " "
      << dtypeName(k.c.dtype) << " " << opName(k.c.op) << " root " << k.root << " count " << count
      << (k.in_place ? " in-place" : " out-of-place") << ": " << res.wrong << " wrong, first at "
      << res.first_wrong << " got " << res.got << " expected " << res.expected
      << (recv[bytes] == std::byte{0x5A} ? "" : "; wrote past the buffer");
  return msg.str();
}

// collective, algorithm, transport, ranks, counts (per rank's part for gather/scatter/exchange),
// the counts run one after another in one world (libfabric's start-up costs ~0.4 s a process)
using Param = std::tuple<std::string, std::string, std::string, int, std::vector<std::size_t>>;

class FamilyTest : public ::testing::TestWithParam<Param> {};

void runFamily(const Param& p, int peers_in_flight) {
  // Named references, not structured bindings: C++17 does not let a lambda capture those.
  const std::string& coll_name = std::get<0>(p);
  const std::string& algo_name = std::get<1>(p);
  const std::string& transport = std::get<2>(p);
  const int ranks = std::get<3>(p);
  const std::vector<std::size_t>& counts = std::get<4>(p);
  const CollectiveDescriptor& coll = describeCollective(coll_name);
  std::vector<std::string> failures(ranks);
  testing::runWorld(transport, ranks, [&](Transport& tr, Bootstrap& boot) {
    auto algo = makeAlgorithm(coll_name, algo_name);
    ASSERT_TRUE(algo) << coll_name << " " << algo_name;
    std::uint64_t seed = 21;
    for (std::size_t count : counts) {
      CommOptions opts;
      opts.segment_bytes = count > 10000 ? 64 * 1024 : 64;  // several segments even at 1000
      opts.segments_in_flight = 3;
      opts.timeout = std::chrono::milliseconds(60000);
      opts.peers_in_flight = peers_in_flight;
      Communicator comm(tr, opts);
      comm.setBootstrap(&boot);  // best agrees on its choice through it
      for (const Case& c : casesFor(coll, count)) {
        for (int root : rootsFor(coll, ranks)) {
          for (bool in_place : {false, true}) {
            std::string err = runAndCheck({coll, *algo, comm, c, root, in_place}, count, ++seed);
            if (!err.empty() && failures[boot.rank()].empty()) failures[boot.rank()] = err;
          }
        }
      }
    }
  });
  for (const auto& f : failures) EXPECT_EQ(f, "");
}

TEST_P(FamilyTest, EveryElementCorrect) { runFamily(GetParam(), 1); }

std::string paramName(const ::testing::TestParamInfo<Param>& info) {
  const auto& [coll, algo, transport, ranks, counts] = info.param;
  std::string name = coll + "_" + algo + "_" + transport + "_" + std::to_string(ranks) + "ranks";
  for (std::size_t c : counts) name += "_" + std::to_string(c);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

// Our algorithms of every collective but all_reduce (test_allreduce.cc) and pingpong
// (test_pingpong.cc), from the registry, so that a new one is tested without a new line here.
// best only where asked: it runs the others, which are checked on every transport themselves.
std::vector<std::pair<std::string, std::string>> ourAlgorithms(bool with_best) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& a : listAlgorithms()) {
    if (a.name == "best" && !with_best) continue;
    if (a.library.empty() && a.collective != "all_reduce" && a.collective != "pingpong")
      out.emplace_back(a.collective, a.name);
  }
  return out;
}

// One test per count where `grouped` is false, else one for all the counts.
std::vector<Param> params(const std::vector<std::string>& transports, std::vector<int> ranks,
                          std::vector<std::size_t> counts, bool grouped) {
  std::vector<Param> out;
  const bool with_best = transports == std::vector<std::string>{"loopback"};
  for (const auto& [coll, algo] : ourAlgorithms(with_best)) {
    for (const auto& t : transports) {
      for (int n : ranks) {
        if (grouped) {
          out.emplace_back(coll, algo, t, n, counts);
          continue;
        }
        for (std::size_t c : counts) out.emplace_back(coll, algo, t, n, std::vector{c});
      }
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Loopback, FamilyTest,
                         ::testing::ValuesIn(params({"loopback"}, {1, 2, 3, 5, 8},
                                                    {0, 1, 3, 1000, 100003}, false)),
                         paramName);

std::vector<std::string> networkTransports() {
  auto kinds = testing::testTransports();
  kinds.erase(std::remove(kinds.begin(), kinds.end(), "loopback"), kinds.end());
  return kinds;
}

// Every transport at 2 and 3 ranks (the loopback grid has 1 to 8, and zero elements;
// zero-byte messages are checked on every transport by the conformance tests and every
// barrier; pairwise alltoall at 4 and 8 ranks over TCP below).
INSTANTIATE_TEST_SUITE_P(Network, FamilyTest,
                         ::testing::ValuesIn(params(networkTransports(), {2, 3}, {7, 20011}, true)),
                         paramName);

// Pairwise alltoall with several rounds posted at once, at power-of-two and other rank counts.
TEST(Alltoall, PairwiseWithPeersInFlight) {
  for (int ranks : {4, 5, 8}) {
    runFamily(Param{"alltoall", "pairwise", "loopback", ranks, {513}}, 3);
    runFamily(Param{"alltoall", "pairwise", "tcp", ranks, {77}}, 8);
  }
}

// The descriptors as nccl-tests defines them: sizes, counts, in-place offsets, bus factors.
TEST(Descriptors, ShapesAndFactorsAsNcclTests) {
  const std::size_t floats = (1 << 20) / 4;  // 1 MiB of float32 at 3 ranks
  BufferShape ag = describeCollective("all_gather").shape(floats, 4, 3);
  EXPECT_EQ(ag.send_count, 87380u);  // floor(262144 / 3) rounded down to 4 floats (16 B)
  EXPECT_EQ(ag.recv_count, 3 * 87380u);
  EXPECT_EQ(ag.param_count, 87380u);
  EXPECT_EQ(ag.send_inplace_offset, 87380u);
  BufferShape rs = describeCollective("reduce_scatter").shape(floats, 4, 3);
  EXPECT_EQ(rs.send_count, 3 * 87380u);
  EXPECT_EQ(rs.recv_inplace_offset, 87380u);
  BufferShape a2a = describeCollective("alltoall").shape(floats, 4, 3);
  EXPECT_EQ(a2a.send_count, 3 * 87380u);
  EXPECT_EQ(a2a.recv_count, 3 * 87380u);
  EXPECT_EQ(a2a.param_count, 87380u);
  BufferShape bc = describeCollective("broadcast").shape(floats, 4, 3);
  EXPECT_EQ(bc.send_count, floats);
  EXPECT_EQ(describeCollective("all_reduce").busFactor(4), 1.5);
  for (const char* c : {"all_gather", "reduce_scatter", "alltoall"}) {
    EXPECT_EQ(describeCollective(c).busFactor(4), 0.75) << c;
  }
  for (const char* c : {"broadcast", "reduce", "sendrecv", "pingpong"}) {
    EXPECT_EQ(describeCollective(c).busFactor(4), 1.0) << c;
  }
  EXPECT_TRUE(describeCollective("bcast").has_root);
  EXPECT_FALSE(describeCollective("alltoall").uses_op);
  EXPECT_EQ(describeCollective("reduce_scatter").nccl_tests, "reduce_scatter_perf");
}

// The checks catch what a broken algorithm would do: a block from the wrong rank, a block at
// the wrong offset (an off-by-one chunk), the root's data from another rank.
TEST(Descriptors, ChecksCatchMisplacedBlocks) {
  const CollectiveDescriptor& ag = describeCollective("all_gather");
  const int n = 4;
  const BufferShape s = exactShape(ag, 10, n);
  const BufferShape b = exactShape(describeCollective("broadcast"), 50, n);
  // Both collectives' buffers come from these vectors: size them for the larger shape.
  const std::size_t count = std::max(s.bufferCount(), b.bufferCount());
  std::vector<std::int32_t> send(count), recv(count);
  CollArgs a = ag.args(s, send.data(), recv.data(), false, 2, DataType::kInt32, ReduceOp::kSum, 0);
  for (int r = 0; r < n; ++r) ag.fill(a, r, n, 3, recv.data() + r * 10);
  EXPECT_EQ(ag.check(a, 2, n, 3, recv.data()).wrong, 0u);
  std::rotate(recv.begin(), recv.begin() + 10, recv.end());  // every block one chunk off
  EXPECT_EQ(ag.check(a, 2, n, 3, recv.data()).wrong, 40u);
  const CollectiveDescriptor& bc = describeCollective("broadcast");
  CollArgs ba = bc.args(b, send.data(), recv.data(), false, 1, DataType::kInt32, ReduceOp::kSum, 3);
  bc.fill(ba, 2, n, 3, recv.data());  // rank 2's data, not root 3's
  EXPECT_GT(bc.check(ba, 1, n, 3, recv.data()).wrong, 45u);
  bc.fill(ba, 3, n, 3, recv.data());
  EXPECT_EQ(bc.check(ba, 1, n, 3, recv.data()).wrong, 0u);
}

}  // namespace
}  // namespace collbench
