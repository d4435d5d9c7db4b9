// What an algorithm is given and what it must do. An algorithm is written once against
// Communicator (and so against the Transport interface) and runs unchanged on every transport.
// See docs/ARCHITECTURE.md for how to add one.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "collectives/api/communicator.h"
#include "collectives/api/types.h"

namespace collbench {

// Arguments of one collective call, shaped by the collective's descriptor (collective.h):
// send holds send_count elements and recv room for recv_count, both of dtype, in memory owned
// by the caller. In place, send lies inside the recv buffer at the collective's in-place
// offset (all-reduce: send == recv; all-gather: recv + rank * send_count; reduce-scatter:
// send is the whole buffer and recv its rank-th part). `root` matters to rooted collectives
// (broadcast, reduce) only.
struct CollArgs {
  const void* send = nullptr;
  void* recv = nullptr;
  std::size_t send_count = 0;
  std::size_t recv_count = 0;
  DataType dtype = DataType::kFloat32;
  ReduceOp op = ReduceOp::kSum;
  int root = 0;
  bool in_place = false;

  bool inPlace() const { return in_place; }
  std::size_t sendBytes() const { return send_count * dtypeSize(dtype); }
  std::size_t recvBytes() const { return recv_count * dtypeSize(dtype); }
};

// Arguments with send and recv of `count` elements each (all-reduce, broadcast, reduce,
// sendrecv, pingpong); in place when send == recv.
inline CollArgs sameShapeArgs(const void* send, void* recv, std::size_t count, DataType dtype,
                              ReduceOp op = ReduceOp::kSum, int root = 0) {
  return CollArgs{send, recv, count, count, dtype, op, root, send == recv};
}

// What an algorithm that picks among others (best) chose for one call's arguments, and the
// calibration it chose by: each candidate's time in microseconds (the slowest rank's median).
struct AlgorithmChoice {
  std::string algorithm;
  std::string cost_form;  // the chosen algorithm's
  std::vector<std::pair<std::string, double>> calibration_us;
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // The collective it implements, a name known to describeCollective().
  virtual std::string collective() const = 0;
  // Whose code moves the data: "" for ours (over the communicator's transport), else the
  // vendor library's name ("mpi", "gloo", "nccl"), which is also what the result file
  // records as the transport of its measurements.
  virtual std::string library() const { return ""; }
  bool usesTransport() const { return library().empty(); }
  // The memory kinds its buffers may live in.
  virtual std::vector<MemoryKind> memoryKinds() const {
    return {MemoryKind::kHost, MemoryKind::kCuda};
  }
  // Whether run() uses the communicator's workspace() (up to one buffer's worth of memory
  // beside the two message buffers), for the memory check before the run.
  virtual bool usesWorkspace() const { return false; }
  // Buffers of the message's size it allocates for itself besides those (best: the copy of
  // the call's buffer that its calibration puts back), for the same check.
  virtual int ownBuffers() const { return 0; }
  // The name of its alpha-beta cost model (results/model.h, docs/MODELS.md), recorded with
  // every measurement for `collbench model fit`. By default the collective's (collectives.json
  // "cost_form"): vendor baselines and bandwidth-optimal algorithms keep it.
  virtual std::string costForm() const;
  // Whether run() can handle these arguments on this communicator.
  virtual bool supports(const Communicator& comm, const CollArgs& args) const = 0;
  // Collective: every rank of comm calls it with the same counts, dtype, op and root. Blocks
  // until this rank's result is in args.recv. Throws TransportError subclasses on failure.
  virtual void run(Communicator& comm, const CollArgs& args) = 0;
  // Work that must not be timed, done before the first call with these arguments: run() does
  // it itself when it was not done. Collective, like run(). Leaves args.recv's contents as
  // they were.
  virtual void prepare(Communicator& /*comm*/, const CollArgs& /*args*/) {}
  // An untimed call before a sweep's timed sizes, that warms everything run() may use
  // (connections, windows, lazily made buffers) and decides nothing. Collective, like run().
  virtual void warmUp(Communicator& comm, const CollArgs& args) { run(comm, args); }
  // For an algorithm that picks another per call (best): the names it picks among, in order;
  // empty for every other algorithm. Such an algorithm has no cost model of its own.
  virtual std::vector<std::string> candidates() const { return {}; }
  // For an algorithm that picks another per call (best): its pick for these arguments, once
  // prepared; nullptr otherwise.
  virtual const AlgorithmChoice* choice(const Communicator& /*comm*/,
                                        const CollArgs& /*args*/) const {
    return nullptr;
  }
};

}  // namespace collbench
