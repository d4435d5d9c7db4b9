// What an algorithm is given and what it must do. An algorithm is written once against
// Communicator (and so against the Transport interface) and runs unchanged on every transport.
#pragma once

#include <cstddef>
#include <string>

#include "collectives/api/communicator.h"
#include "collectives/api/types.h"

namespace collbench {

// Arguments of one all-reduce call. In-place when send == recv. Buffers are host memory owned
// by the caller, count elements of dtype each.
struct CollArgs {
  const void* send = nullptr;
  void* recv = nullptr;
  std::size_t count = 0;
  DataType dtype = DataType::kFloat32;
  ReduceOp op = ReduceOp::kSum;

  bool inPlace() const { return send == recv; }
  std::size_t bytes() const { return count * dtypeSize(dtype); }
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // The collective it implements, a name known to describeCollective().
  virtual std::string collective() const { return "allreduce"; }
  // Whether it moves its data over the communicator's transport (ours), rather than over a
  // vendor library's own (MPI, Gloo, NCCL's collectives).
  virtual bool usesTransport() const { return true; }
  // Whether run() can handle these arguments on this communicator.
  virtual bool supports(const Communicator& comm, const CollArgs& args) const = 0;
  // Collective: every rank of comm calls it with the same count, dtype and op. Blocks until
  // this rank's result is in args.recv. Throws TransportError subclasses on failure.
  virtual void run(Communicator& comm, const CollArgs& args) = 0;
};

}  // namespace collbench
