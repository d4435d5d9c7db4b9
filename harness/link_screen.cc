#include "harness/link_screen.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "collectives/patterns/pairs.h"
#include "harness/sweep.h"
#include "transports/api/errors.h"

namespace collbench {
namespace {

using Clock = std::chrono::steady_clock;

double microsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[v.size() / 2];
}

// One pair's exchanges over the launch's transport. Buffers: send from [0, bytes), receive into
// [bytes, 2 * bytes) of the communicator's scratch.
class PairExchange {
 public:
  PairExchange(Communicator& comm, int peer, std::size_t bytes)
      : comm_(comm),
        tr_(comm.transport()),
        peer_(peer),
        bytes_(bytes),
        buf_(comm.scratch(2 * bytes)) {}

  // The round trip of `bytes` there and back, halved, on the lower rank; -1 on the other.
  double halfRoundTrip(Tag tag) {
    Request in = tr_.postRecv(peer_, tag, buf_, bytes_, bytes_);
    if (comm_.rank() > peer_) {  // echo
      tr_.wait(in, comm_.deadline());
      Request out = tr_.postSend(peer_, tag, buf_, 0, bytes_);
      tr_.wait(out, comm_.deadline());
      return -1;
    }
    const auto t0 = Clock::now();
    Request out = tr_.postSend(peer_, tag, buf_, 0, bytes_);
    tr_.wait(out, comm_.deadline());
    tr_.wait(in, comm_.deadline());
    return microsSince(t0) / 2;
  }

  // Both send `bytes` at once after a zero-byte handshake; the time until this rank's receive
  // completed (the peer -> this rank direction).
  double inboundMicros(Tag base) {
    Request hs[2] = {tr_.postRecv(peer_, withChannel(base, 1), buf_, bytes_, 0),
                     tr_.postSend(peer_, withChannel(base, 1), buf_, 0, 0)};
    tr_.wait(hs, 2, comm_.deadline());
    Request in = tr_.postRecv(peer_, withChannel(base, 2), buf_, bytes_, bytes_);
    const auto t0 = Clock::now();
    Request out = tr_.postSend(peer_, withChannel(base, 2), buf_, 0, bytes_);
    tr_.wait(in, comm_.deadline());
    const double us = microsSince(t0);
    tr_.wait(out, comm_.deadline());
    return us;
  }

 private:
  Communicator& comm_;
  Transport& tr_;
  int peer_;
  std::size_t bytes_;
  MemoryRegion& buf_;
};

// This rank's row of results: latency to each partner (measured by the lower rank of a pair)
// and bandwidth from each partner into this rank, -1 where not measured.
struct Row {
  std::vector<double> latency_us, inbound_gbps;
};

// Every rank calls nextTagBase() once per iteration, partnered or not, so tags stay in step.
void measureRound(const Options& o, Communicator& comm, int peer, Row& row) {
  const int calls = o.warmup + o.iters;
  std::vector<double> lat, in;
  for (int i = 0; i < calls; ++i) {
    const Tag tag = withChannel(comm.nextTagBase(), 1);
    if (peer < 0) continue;
    const double t = PairExchange(comm, peer, o.min_bytes).halfRoundTrip(tag);
    if (i >= o.warmup && t >= 0) lat.push_back(t);
  }
  for (int i = 0; i < calls; ++i) {
    const Tag base = comm.nextTagBase();
    if (peer < 0) continue;
    const double t = PairExchange(comm, peer, o.max_bytes).inboundMicros(base);
    if (i >= o.warmup) in.push_back(t);
  }
  if (peer < 0) return;
  row.latency_us[static_cast<std::size_t>(peer)] = median(lat);
  row.inbound_gbps[static_cast<std::size_t>(peer)] =
      static_cast<double>(o.max_bytes) / median(in) / 1e3;
}

// Every rank's row, gathered; the matrices of the screen.
void gather(Bootstrap& boot, const Row& row, PairScreen& s) {
  const auto n = static_cast<std::size_t>(boot.size());
  std::vector<double> mine(row.latency_us);
  mine.insert(mine.end(), row.inbound_gbps.begin(), row.inbound_gbps.end());
  std::vector<double> all(2 * n * n);
  boot.allgather(mine.data(), mine.size() * sizeof(double), all.data());
  s.latency_us.assign(n, std::vector<double>(n, -1));
  s.bandwidth_gbps.assign(n, std::vector<double>(n, -1));
  for (std::size_t r = 0; r < n; ++r) {
    const double* lat = all.data() + r * 2 * n;
    for (std::size_t p = 0; p < n; ++p) {
      if (lat[p] >= 0) s.latency_us[r][p] = s.latency_us[p][r] = lat[p];
      if (lat[n + p] >= 0) s.bandwidth_gbps[p][r] = lat[n + p];  // p -> r, measured at r
    }
  }
}

}  // namespace

const std::vector<std::string>& screenKinds() {
  static const std::vector<std::string> kinds = {"pairwise", "neighbors"};
  return kinds;
}

PairScreen runLinkScreen(const Options& o, Bootstrap& boot, Communicator& comm,
                         const std::vector<std::string>& hosts, Watchdog& watchdog) {
  const int n = comm.size();
  const PairRounds rounds = o.screen == "pairwise" ? tournamentRounds(n) : neighborRounds(n);
  const auto start = Clock::now();
  Row row{std::vector<double>(static_cast<std::size_t>(n), -1),
          std::vector<double>(static_cast<std::size_t>(n), -1)};
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    const int peer = rounds[r][static_cast<std::size_t>(comm.rank())];
    const std::string what = o.screen + " screen, round " + std::to_string(r + 1) + " of " +
                             std::to_string(rounds.size()) +
                             (peer < 0 ? " (sitting out)"
                                       : ", with rank " + std::to_string(peer) + " (" +
                                             hosts[static_cast<std::size_t>(peer)] + ")");
    watchdog.setTask(what);
    watchdog.arm("exchanging");
    if (r == 1 && comm.rank() == o.inject_exit_rank) std::_Exit(9);  // test hook, round 2
    try {
      measureRound(o, comm, peer, row);
      // Rounds apart: a send is complete once the kernel holds its bytes, and a host whose
      // link is slow may still be draining them; the next round's latency must not queue
      // behind them.
      comm.barrier();
    } catch (...) {
      throw currentFailure(what + ": ", what, peer);
    }
    watchdog.disarm();
  }
  PairScreen s;
  s.kind = o.screen;
  s.latency_bytes = o.min_bytes;
  s.bandwidth_bytes = o.max_bytes;
  s.iterations = o.iters;
  s.rounds = static_cast<int>(rounds.size());
  s.hosts = hosts;
  s.rule = o.outliers;
  gather(boot, row, s);
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  s.verdicts = localise(s);
  return s;
}

}  // namespace collbench
