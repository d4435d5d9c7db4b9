#include "collectives/native/nccl.h"

#include <cuda_runtime.h>
#include <mpi.h>
#include <nccl.h>

#include <cstdlib>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "collectives/native/mpi.h"

namespace collbench {
namespace {

void check(ncclResult_t rc, const char* what) {
  if (rc == ncclSuccess) return;
  throw std::runtime_error(std::string("NCCL ") + what + ": " + ncclGetErrorString(rc) + " (" +
                           ncclGetLastError(nullptr) + ")");
}

void check(cudaError_t rc, const char* what) {
  if (rc != cudaSuccess)
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(rc));
}

ncclDataType_t ncclType(DataType t) {
  switch (t) {
    case DataType::kFloat32:
      return ncclFloat32;
    case DataType::kFloat64:
      return ncclFloat64;
    case DataType::kFloat16:
      return ncclFloat16;
    case DataType::kBFloat16:
      return ncclBfloat16;
    case DataType::kInt32:
      return ncclInt32;
    case DataType::kInt64:
      return ncclInt64;
    case DataType::kUInt8:
      return ncclUint8;
  }
  return ncclUint8;
}

ncclRedOp_t ncclOp(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return ncclSum;
    case ReduceOp::kProd:
      return ncclProd;
    case ReduceOp::kMin:
      return ncclMin;
    case ReduceOp::kMax:
      return ncclMax;
    case ReduceOp::kAvg:
      return ncclAvg;
  }
  return ncclSum;
}

// Sets NCCL_ALGO for the lifetime of the object (NCCL reads it when a communicator is made),
// then puts back what was there.
class ScopedNcclAlgo {
 public:
  explicit ScopedNcclAlgo(const std::string& algo) : active_(!algo.empty()) {
    if (!active_) return;
    if (const char* old = std::getenv("NCCL_ALGO")) had_ = true, old_ = old;
    setenv("NCCL_ALGO", algo.c_str(), 1);
  }
  ~ScopedNcclAlgo() {
    if (!active_) return;
    if (had_) {
      setenv("NCCL_ALGO", old_.c_str(), 1);
    } else {
      unsetenv("NCCL_ALGO");
    }
  }

 private:
  bool active_, had_ = false;
  std::string old_;
};

struct NcclComm {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
};

// One communicator per (ranks, forced algorithm), made collectively over those ranks.
NcclComm& commFor(const Communicator& comm, const std::string& forced) {
  static std::map<std::pair<std::vector<int>, std::string>, NcclComm> made;
  auto key = std::make_pair(comm.rootRanks(), forced);
  auto it = made.find(key);
  if (it != made.end()) return it->second;
  MPI_Comm mpi = mpiCommOf(comm);
  ncclUniqueId id;
  if (comm.rank() == 0) check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, mpi);
  NcclComm c;
  check(cudaStreamCreate(&c.stream), "cudaStreamCreate");
  {
    ScopedNcclAlgo algo(forced);
    check(ncclCommInitRank(&c.comm, comm.size(), id, comm.rank()), "ncclCommInitRank");
  }
  return made[key] = c;
}

class NcclAllreduce : public Algorithm {
 public:
  explicit NcclAllreduce(std::string forced) : forced_(std::move(forced)) {}
  std::string name() const override {
    return forced_.empty() ? "nccl" : forced_ == "Ring" ? "nccl-ring" : "nccl-tree";
  }
  std::string description() const override {
    return forced_.empty() ? "ncclAllReduce, NCCL choosing its algorithm (GPU vendor baseline)"
                           : "ncclAllReduce with NCCL_ALGO=" + forced_ + " (GPU vendor baseline)";
  }
  bool usesTransport() const override { return false; }
  bool supports(const Communicator& comm, const CollArgs&) const override {
    int initialized = 0;
    MPI_Initialized(&initialized);
    return initialized && comm.memoryKind() == MemoryKind::kCuda;
  }
  void run(Communicator& comm, const CollArgs& args) override {
    NcclComm& c = commFor(comm, forced_);
    check(ncclAllReduce(args.send, args.recv, args.count, ncclType(args.dtype), ncclOp(args.op),
                        c.comm, c.stream),
          "ncclAllReduce");
    check(cudaStreamSynchronize(c.stream), "cudaStreamSynchronize (ncclAllReduce)");
  }

 private:
  std::string forced_;
};

}  // namespace

std::unique_ptr<Algorithm> makeNcclAllreduce(const std::string& forced_algo) {
  return std::make_unique<NcclAllreduce>(forced_algo);
}

}  // namespace collbench
