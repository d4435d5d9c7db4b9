// The sweep: for every algorithm, dtype, op and size, a correctness pass, warm-up and timed
// iterations, then one Measurement per placement (out-of-place, in-place).
#pragma once

#include <memory>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "collectives/api/algorithm.h"
#include "collectives/api/collective.h"
#include "harness/gpu.h"
#include "harness/options.h"
#include "harness/result_sink.h"
#include "harness/watchdog.h"
#include "results/measurement.h"

namespace collbench {

// A failure during the sweep, with what was running when it happened.
class SweepFailure : public std::runtime_error {
 public:
  SweepFailure(const std::string& what, std::string operation, int suspect, bool peer_lost)
      : std::runtime_error(what),
        operation_(std::move(operation)),
        suspect_(suspect),
        peer_lost_(peer_lost) {}
  const std::string& operation() const { return operation_; }
  int suspect() const { return suspect_; }  // the peer the transport blamed, or -1
  // Whether the connection to the suspect failed (closed, reset, a completion error), rather
  // than a wait for it timing out.
  bool peerLost() const { return peer_lost_; }

 private:
  std::string operation_;
  int suspect_;
  bool peer_lost_;
};

// Inside a catch block: the exception being handled as a SweepFailure whose message starts
// with `context`. The transport's errors name the suspect; any other error blames `peer`.
SweepFailure currentFailure(const std::string& context, const std::string& operation, int peer);

// The two message buffers of every sweep of a launch, registered once with the transport
// before any timed loop; algorithms find the registrations in the communicator's cache (a
// subgroup's communicator looks in its parent's).
class SweepBuffers {
 public:
  SweepBuffers(Communicator& comm, std::uint64_t max_bytes);
  // The buffers the algorithms get (device memory with --memory cuda).
  std::byte* send() { return send_.get(); }
  std::byte* recv() { return recv_.get(); }
  // Where inputs are written and results read: the buffers themselves in host memory, else
  // host copies of them. toDevice/toHost copy `bytes` bytes at the offset of `device_ptr`.
  std::byte* hostView(const void* device_ptr);
  void toDevice(const void* device_ptr, std::size_t bytes);
  void toHost(const void* device_ptr, std::size_t bytes);
  std::uint64_t bytes() const { return 2 * bytes_; }
  double registrationMicroseconds() const { return registration_us_; }

 private:
  const MemoryOps& ops_;
  std::size_t bytes_;
  std::shared_ptr<std::byte> send_, recv_;
  std::vector<std::byte> host_send_, host_recv_;  // empty in host memory
  double registration_us_ = 0;
};

// One sweep on one group of ranks (the first k of the launch, for --ranks).
class Sweep {
 public:
  Sweep(const Options& options, Bootstrap& boot, Subgroup& group, SweepBuffers& buffers,
        ResultSink& sink, Watchdog& watchdog);
  // Runs everything; returns the number of wrong elements over all ranks and sizes. Throws
  // SweepFailure naming the operation that failed.
  std::int64_t run();

 private:
  void runAlgorithm(Algorithm& algo, const CollectiveDescriptor& coll, DataType dtype, ReduceOp op);
  std::vector<BufferShape> shapes(const CollectiveDescriptor& coll, DataType dtype);
  // --sweep-warmup: untimed calls at `largest` before the first size; notes the slowest rank's
  // time for them (the cold start: connections opened, windows grown).
  void warmUpSweep(Algorithm& algo, const CollectiveDescriptor& coll, const BufferShape& largest,
                   DataType dtype, ReduceOp op);
  Measurement measure(Algorithm& algo, const CollectiveDescriptor& coll, const BufferShape& shape,
                      const CollArgs& args);
  // Fills m.wrong and m.inter_host_bytes.
  void checkPass(Algorithm& algo, const CollectiveDescriptor& coll, const BufferShape& shape,
                 const CollArgs& args, const std::string& what, Measurement& m);
  std::int64_t bytesSentOffHost() const;
  // Every rank's time of every timed iteration, rank-major; `iters` is their count per rank
  // (-n, or what --iter-time chose from the warm-up).
  std::vector<double> timedPass(Algorithm& algo, const CollArgs& args, const std::string& what,
                                int& iters);
  // Timed iterations for --iter-time: from the slowest rank's median warm-up time.
  int iterationsFromWarmup(std::vector<double> warmup_us, const std::string& what);
  double timeOnce(CudaEventTimer* events, Algorithm& algo, const CollArgs& args);
  double timeOnHost(Algorithm& algo, const CollArgs& args);
  double timeOnDevice(CudaEventTimer& events, Algorithm& algo, const CollArgs& args);
  void summarizeTimes(const std::vector<double>& all, const CollectiveDescriptor& coll,
                      Measurement& m) const;
  // Runs one blocking step under the watchdog, adding `what` and `phase` to any failure.
  template <typename Fn>
  void step(const std::string& what, const char* phase, Fn fn);
  CollArgs argsFor(const CollectiveDescriptor& coll, const BufferShape& shape, DataType dtype,
                   ReduceOp op, bool in_place);

  void injectFaults();

  const Options& o_;
  Bootstrap& boot_;
  Subgroup& group_;
  Communicator& comm_;
  SweepBuffers& buffers_;
  ResultSink& sink_;
  Watchdog& watchdog_;
  std::int64_t total_wrong_ = 0;
  int sizes_started_ = 0;
  std::set<std::string> noted_rounding_;  // collectives whose rounding was noted
};

std::string describeSize(std::uint64_t bytes);  // "1 MiB", "8 B"

}  // namespace collbench
