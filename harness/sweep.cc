#include "harness/sweep.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <thread>
#include <tuple>

#include "collectives/api/check.h"
#include "collectives/api/collective.h"
#include "collectives/patterns/hier.h"
#include "collectives/reduce/reduce.h"
#include "collectives/registry.h"
#include "transports/api/errors.h"

namespace collbench {

std::string describeSize(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  while (u < 3 && bytes >= 1024 && bytes % 1024 == 0) bytes /= 1024, ++u;
  return std::to_string(bytes) + " " + units[u];
}

SweepBuffers::SweepBuffers(Communicator& comm, std::uint64_t max_bytes)
    : ops_(memoryOps(comm)), bytes_((max_bytes + 7) / 8 * 8) {
  send_ = ops_.allocate(bytes_);
  recv_ = ops_.allocate(bytes_);
  if (ops_.kind() != MemoryKind::kHost) {
    host_send_.resize(bytes_);
    host_recv_.resize(bytes_);
  }
  const auto t0 = std::chrono::steady_clock::now();
  comm.region(send_.get(), bytes_);
  comm.region(recv_.get(), bytes_);
  registration_us_ =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

std::byte* SweepBuffers::hostView(const void* device_ptr) {
  auto* p = static_cast<const std::byte*>(device_ptr);
  if (host_send_.empty()) return const_cast<std::byte*>(p);
  const bool in_send = p >= send_.get() && p < send_.get() + bytes_;
  return in_send ? host_send_.data() + (p - send_.get()) : host_recv_.data() + (p - recv_.get());
}

void SweepBuffers::toDevice(const void* device_ptr, std::size_t bytes) {
  if (!host_send_.empty()) ops_.copy(const_cast<void*>(device_ptr), hostView(device_ptr), bytes);
}

void SweepBuffers::toHost(const void* device_ptr, std::size_t bytes) {
  if (!host_send_.empty()) ops_.copy(hostView(device_ptr), device_ptr, bytes);
}

Sweep::Sweep(const Options& options, Bootstrap& boot, Subgroup& group, SweepBuffers& buffers,
             ResultSink& sink, Watchdog& watchdog)
    : o_(options),
      boot_(boot),
      group_(group),
      comm_(group.comm()),
      buffers_(buffers),
      sink_(sink),
      watchdog_(watchdog) {}

std::int64_t Sweep::run() {
  for (const auto& planned : o_.plan) {
    auto algo = makeAlgorithm(planned.collective, planned.algorithm);
    const auto& coll = describeCollective(planned.collective);
    for (DataType dtype : o_.dtypes) {
      for (ReduceOp op : o_.ops) {
        runAlgorithm(*algo, coll, dtype, op);
        if (!coll.uses_op) break;  // one pass: the op means nothing here
      }
    }
  }
  return total_wrong_;
}

// The message sizes of the sweep as this collective at this rank count takes them: each
// requested size rounded down the way nccl-tests rounds it, without repeats.
std::vector<BufferShape> Sweep::shapes(const CollectiveDescriptor& coll, DataType dtype) {
  const std::size_t esize = dtypeSize(dtype);
  std::vector<BufferShape> out;
  bool rounded = false;
  for (std::uint64_t bytes : sweepSizes(o_, dtype)) {
    const BufferShape s = coll.shape(bytes / esize, esize, comm_.size());
    rounded = rounded || s.bufferCount() * esize != bytes;
    if (!out.empty() && out.back().bufferCount() == s.bufferCount()) continue;
    out.push_back(s);
  }
  if (rounded && noted_rounding_.insert(coll.name).second) {
    sink_.note(coll.name + ": sizes are rounded down so that each of the " +
               std::to_string(comm_.size()) + " ranks' parts is a whole multiple of " +
               std::to_string(std::max<std::size_t>(coll.align_bytes, esize)) +
               " bytes, as nccl-tests rounds them; the size column is the size measured");
  }
  return out;
}

CollArgs Sweep::argsFor(const CollectiveDescriptor& coll, const BufferShape& shape, DataType dtype,
                        ReduceOp op, bool in_place) {
  return coll.args(shape, buffers_.send(), buffers_.recv(), in_place, comm_.rank(), dtype, op,
                   o_.root);
}

void Sweep::warmUpSweep(Algorithm& algo, const CollectiveDescriptor& coll,
                        const BufferShape& largest, DataType dtype, ReduceOp op) {
  CollArgs args = argsFor(coll, largest, dtype, op, false);
  if (o_.in_place == InPlaceMode::kYes || !algo.supports(comm_, args)) {
    args = argsFor(coll, largest, dtype, op, true);
    if (o_.in_place == InPlaceMode::kNo || !algo.supports(comm_, args)) return;
  }
  const std::string what = coll.name + " " + algo.name() + " " +
                           describeSize(largest.bufferCount() * dtypeSize(dtype)) + " " +
                           dtypeName(dtype) + " " + opName(op) + " sweep warm-up";
  watchdog_.setTask(what);
  sink_.starting(what);
  coll.fill(args, comm_.rank(), comm_.size(), o_.seed, buffers_.hostView(args.send));
  buffers_.toDevice(args.send, args.sendBytes());
  double mine_ms = 0;
  step(what, "sweep warm-up", [&] {
    comm_.barrier();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < o_.sweep_warmup; ++i) {
      watchdog_.arm("sweep warm-up");  // the limit applies to each call
      algo.warmUp(comm_, args);
    }
    mine_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  });
  std::vector<double> all(static_cast<std::size_t>(comm_.size()));
  step(what, "gathering timings", [&] { boot_.allgather(&mine_ms, sizeof mine_ms, all.data()); });
  std::ostringstream msg;
  msg << what << ": " << o_.sweep_warmup << (o_.sweep_warmup == 1 ? " call" : " calls")
      << " before the first size, " << std::fixed << std::setprecision(2)
      << *std::max_element(all.begin(), all.end()) << " ms (slowest rank), not measured";
  sink_.note(msg.str());
}

void Sweep::runAlgorithm(Algorithm& algo, const CollectiveDescriptor& coll, DataType dtype,
                         ReduceOp op) {
  const std::vector<BufferShape> sizes = shapes(coll, dtype);
  if (o_.sweep_warmup > 0 && !sizes.empty()) warmUpSweep(algo, coll, sizes.back(), dtype, op);
  for (const BufferShape& shape : sizes) {
    const CollArgs oop_args = argsFor(coll, shape, dtype, op, false);
    const CollArgs ip_args = argsFor(coll, shape, dtype, op, true);
    const bool oop = o_.in_place != InPlaceMode::kYes && algo.supports(comm_, oop_args);
    const bool ip = o_.in_place != InPlaceMode::kNo && algo.supports(comm_, ip_args);
    const std::string what = coll.name + " " + algo.name() + " " +
                             describeSize(shape.bufferCount() * dtypeSize(dtype)) + " " +
                             dtypeName(dtype) + " " + opName(op);
    if (!oop && !ip) {
      sink_.note(what + ": not supported here; skipped");
      continue;
    }
    if (o_.in_place == InPlaceMode::kBoth && oop != ip) {
      sink_.note(what + ": only " + (oop ? "out-of-place" : "in-place") + " is supported");
    }
    injectFaults();
    Measurement m_oop, m_ip;
    if (oop) m_oop = measure(algo, coll, shape, oop_args);
    if (ip) m_ip = measure(algo, coll, shape, ip_args);
    sink_.add(m_oop, m_ip, oop, ip);
  }
}

// Test hook: how late --inject-late-rank arrives at each timed call (well past this machine's
// scheduling noise with more ranks than cores: CI saw others arrive 2.4 ms late in a median
// iteration).
constexpr std::chrono::milliseconds kInjectedLateness{20};

// Test hooks: a rank that dies or hangs in the middle of a sweep, after one size is saved.
void Sweep::injectFaults() {
  if (++sizes_started_ != 2) return;
  if (comm_.rank() == o_.inject_exit_rank) std::_Exit(9);
  if (comm_.rank() == o_.inject_stall_rank) std::this_thread::sleep_for(std::chrono::hours(1));
}

namespace {

// Ranks on the fullest and on the emptiest host (hier's cost model needs both).
std::pair<int, int> hostSpread(const std::vector<int>& host_of_rank, int n) {
  int largest = 0, smallest = n;
  for (const auto& ranks : ranksByHost(host_of_rank, n)) {
    largest = std::max(largest, static_cast<int>(ranks.size()));
    smallest = std::min(smallest, static_cast<int>(ranks.size()));
  }
  return {largest, smallest};
}

}  // namespace

Measurement Sweep::measure(Algorithm& algo, const CollectiveDescriptor& coll,
                           const BufferShape& shape, const CollArgs& args) {
  const std::size_t esize = dtypeSize(args.dtype);
  Measurement m;
  m.collective = coll.name;
  m.algorithm = algo.name();
  m.cost_form = algo.costForm();
  // Vendor collectives record their library ("mpi", "gloo", "nccl") as the transport.
  m.transport = algo.usesTransport() ? o_.transport : algo.library();
  m.ranks = comm_.size();
  m.hosts = comm_.hostCount();
  std::tie(m.largest_host_ranks, m.smallest_host_ranks) = hostSpread(comm_.hosts(), m.ranks);
  m.bytes = shape.bufferCount() * esize;  // nccl-tests' size: the larger buffer
  m.count = shape.param_count;
  m.dtype = dtypeName(args.dtype);
  m.op = coll.uses_op ? opName(args.op) : "none";
  m.root = coll.has_root ? args.root : -1;
  m.in_place = args.inPlace();
  m.warmup_iterations = o_.warmupInForce();
  std::ostringstream what;
  what << coll.name << " " << algo.name() << " " << describeSize(m.bytes) << " " << m.dtype << " "
       << m.op << (coll.has_root ? " root " + std::to_string(args.root) : "")
       << (m.in_place ? " in-place" : " out-of-place");
  watchdog_.setTask(what.str());
  sink_.starting(what.str());
  step(what.str(), "choosing the algorithm", [&] { algo.prepare(comm_, args); });
  if (o_.check) checkPass(algo, coll, shape, args, what.str(), m);
  const std::vector<double> times = timedPass(algo, args, what.str(), m.iterations);
  if (const AlgorithmChoice* choice = algo.choice(comm_, args)) {
    m.chosen_algorithm = choice->algorithm;
    m.cost_form = choice->cost_form;
    m.calibration_us = choice->calibration_us;
  }
  summarizeTimes(times, coll, m);
  m.algbw_gbps = gbps(m.bytes, m.time_us.mean);
  m.bus_factor = coll.busFactor(m.ranks);
  m.busbw_gbps = m.algbw_gbps * m.bus_factor;
  m.link_utilization = linkUtilization(m.busbw_gbps, sink_.run().link_gbps);
  return m;
}

// An iteration takes as long as its slowest timing rank (collectives.json's timed_by); skew
// compares the ranks' own times.
void Sweep::summarizeTimes(const std::vector<double>& all, const CollectiveDescriptor& coll,
                           Measurement& m) const {
  const int n = comm_.size(), iters = static_cast<int>(all.size()) / n;
  std::vector<double> scaled(all.size());
  for (std::size_t k = 0; k < all.size(); ++k) scaled[k] = all[k] * coll.time_scale;
  std::vector<double> slowest(iters, 0.0);
  for (int r = 0; r < n; ++r) {
    if (!coll.timesIteration(r, n)) continue;
    for (int i = 0; i < iters; ++i)
      slowest[i] = std::max(slowest[i], scaled[static_cast<std::size_t>(r) * iters + i]);
  }
  m.time_us = summarize(slowest);
  if (o_.iteration_times) m.iteration_us = slowest;
  m.skew = rankSkew(scaled, n, coll.endsTogether());
}

namespace {

struct WrongReport {
  std::int64_t wrong;
  std::uint64_t first;
  double got, expected;
  std::int64_t off_host_bytes;
};

}  // namespace

SweepFailure currentFailure(const std::string& context, const std::string& operation, int peer) {
  try {
    throw;
  } catch (const PeerError& e) {
    return SweepFailure(context + e.what(), operation, e.peer(), true);
  } catch (const TimeoutError& e) {
    return SweepFailure(context + e.what(), operation, e.peer(), false);
  } catch (const std::exception& e) {
    return SweepFailure(context + e.what(), operation, peer, false);
  } catch (...) {
    return SweepFailure(context + "unknown error", operation, peer, false);
  }
}

template <typename Fn>
void Sweep::step(const std::string& what, const char* phase, Fn fn) {
  watchdog_.arm(phase);
  try {
    fn();
  } catch (...) {
    throw currentFailure(what + " (" + phase + "): ", what, -1);
  }
  watchdog_.disarm();
}

std::int64_t Sweep::bytesSentOffHost() const {
  const auto& sent = group_.transport().sentBytes();
  std::int64_t total = 0;
  for (int peer = 0; peer < comm_.size(); ++peer) {
    if (comm_.hostOf(peer) != comm_.hostOf(comm_.rank()))
      total += static_cast<std::int64_t>(sent[static_cast<std::size_t>(peer)]);
  }
  return total;
}

// One call, checked element by element; it also counts the bytes each rank sent off its host.
void Sweep::checkPass(Algorithm& algo, const CollectiveDescriptor& coll, const BufferShape& shape,
                      const CollArgs& args, const std::string& what, Measurement& m) {
  const int rank = comm_.rank(), n = comm_.size();
  const std::size_t buffer_bytes = shape.bufferCount() * dtypeSize(args.dtype);
  // No stale answers: the whole receive buffer is garbage before the input is written (in
  // place, the input lies inside it).
  std::memset(buffers_.hostView(buffers_.recv()), 0xA5, buffer_bytes);
  coll.fill(args, rank, n, o_.seed, buffers_.hostView(args.send));
  buffers_.toDevice(buffers_.recv(), buffer_bytes);
  if (!args.inPlace()) buffers_.toDevice(buffers_.send(), buffer_bytes);
  step(what, "barrier before the correctness pass", [&] { comm_.barrier(); });
  group_.transport().resetSentBytes();
  step(what, "correctness pass", [&] { algo.run(comm_, args); });
  buffers_.toHost(args.recv, args.recvBytes());
  std::byte* result = buffers_.hostView(args.recv);
  if (rank == o_.inject_wrong_rank && args.recv_count > 0) {
    storeElement(args.dtype, result, args.recv_count / 2, 251);  // no input holds 251
  }
  CheckResult res = coll.check(args, rank, n, o_.seed, result);
  WrongReport mine{static_cast<std::int64_t>(res.wrong), res.first_wrong, res.got, res.expected,
                   bytesSentOffHost()};
  if (sizes_started_ == 2 && rank == o_.inject_gather_stall_rank)
    std::this_thread::sleep_for(std::chrono::hours(1));
  std::vector<WrongReport> all(n);
  step(what, "gathering check results", [&] { boot_.allgather(&mine, sizeof mine, all.data()); });
  std::int64_t total = 0;
  if (algo.usesTransport()) m.inter_host_bytes = 0;
  for (int r = 0; r < n; ++r) {
    if (algo.usesTransport())
      m.inter_host_bytes = std::max(m.inter_host_bytes, all[r].off_host_bytes);
    total += all[r].wrong;
    if (all[r].wrong == 0) continue;
    std::ostringstream msg;
    msg << "WRONG RESULTS: " << what << ": rank " << r << " has " << all[r].wrong
        << " wrong elements; first at index " << all[r].first << " (got " << all[r].got
        << ", expected " << all[r].expected << ")";
    sink_.note(msg.str());
  }
  total_wrong_ += total;
  m.wrong = total;
}

double Sweep::timeOnHost(Algorithm& algo, const CollArgs& args) {
  const auto t0 = std::chrono::steady_clock::now();
  algo.run(comm_, args);
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

// CUDA events around the call: the device's time from the first work issued to the last done,
// without the host's launch and polling overhead before and after.
double Sweep::timeOnDevice(CudaEventTimer& events, Algorithm& algo, const CollArgs& args) {
  events.start();
  algo.run(comm_, args);
  events.stop();
  return events.elapsedMicroseconds();
}

double Sweep::timeOnce(CudaEventTimer* events, Algorithm& algo, const CollArgs& args) {
  return events ? timeOnDevice(*events, algo, args) : timeOnHost(algo, args);
}

int Sweep::iterationsFromWarmup(std::vector<double> warmup_us, const std::string& what) {
  std::sort(warmup_us.begin(), warmup_us.end());
  double probe = warmup_us.empty() ? 0 : warmup_us[warmup_us.size() / 2];
  std::vector<double> all(static_cast<std::size_t>(comm_.size()));
  step(what, "agreeing on the iteration count",
       [&] { boot_.allgather(&probe, sizeof probe, all.data()); });
  return iterationsFor(o_.iter_time_s, *std::max_element(all.begin(), all.end()), comm_.size());
}

std::vector<double> Sweep::timedPass(Algorithm& algo, const CollArgs& args, const std::string& what,
                                     int& iters) {
  std::unique_ptr<CudaEventTimer> events;
  if (o_.timerInForce() == "cuda") events = std::make_unique<CudaEventTimer>();
  // --iter-time probes with the warm-up (one call at least; the first, cold, is left out).
  const bool probe = o_.iter_time_s > 0;
  const int warmup = o_.warmupInForce();
  std::vector<double> warmup_us;
  step(what, "warm-up", [&] {
    for (int i = 0; i < warmup; ++i) {
      watchdog_.arm("warm-up");  // the limit applies to each call
      if (!probe) {
        algo.run(comm_, args);
      } else if (const double t = timeOnce(events.get(), algo, args); i > 0) {
        warmup_us.push_back(t);
      }
    }
  });
  iters = probe ? iterationsFromWarmup(warmup_us, what) : o_.iters;
  step(what, "barrier before the timed iterations", [&] { comm_.barrier(); });
  std::vector<double> mine(static_cast<std::size_t>(iters));
  step(what, "timed iterations", [&] {
    for (int i = 0; i < iters; ++i) {
      watchdog_.arm("timed iterations");
      if (comm_.rank() == o_.inject_late_rank) std::this_thread::sleep_for(kInjectedLateness);
      mine[i] = timeOnce(events.get(), algo, args);
    }
  });
  std::vector<double> all(static_cast<std::size_t>(iters) * comm_.size());
  step(what, "gathering timings",
       [&] { boot_.allgather(mine.data(), mine.size() * sizeof(double), all.data()); });
  return all;
}

}  // namespace collbench
