#include "collectives/native/nccl.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdlib>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

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
  Bootstrap& boot = *comm.bootstrap();
  ncclUniqueId id{};
  if (comm.rank() == 0) check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  std::vector<ncclUniqueId> ids(static_cast<std::size_t>(boot.size()));
  boot.allgather(&id, sizeof id, ids.data());
  id = ids[0];
  NcclComm c;
  check(cudaStreamCreate(&c.stream), "cudaStreamCreate");
  {
    ScopedNcclAlgo algo(forced);
    check(ncclCommInitRank(&c.comm, comm.size(), id, comm.rank()), "ncclCommInitRank");
  }
  return made[key] = c;
}

// One call of each collective on NCCL's stream, nccl-tests' layout: ncclReduceScatter's recv
// and ncclAllGather's send are the rank's block of the other buffer in place, which is where
// CollArgs points them. alltoall and sendrecv are grouped ncclSend/ncclRecv, as nccl-tests
// issues them.
using NcclCall = void (*)(const CollArgs& a, NcclComm& c, int rank, int n);

void ncclAllReduceCall(const CollArgs& a, NcclComm& c, int, int) {
  check(ncclAllReduce(a.send, a.recv, a.recv_count, ncclType(a.dtype), ncclOp(a.op), c.comm,
                      c.stream),
        "ncclAllReduce");
}

void ncclAllGatherCall(const CollArgs& a, NcclComm& c, int, int) {
  check(ncclAllGather(a.send, a.recv, a.send_count, ncclType(a.dtype), c.comm, c.stream),
        "ncclAllGather");
}

void ncclReduceScatterCall(const CollArgs& a, NcclComm& c, int, int) {
  check(ncclReduceScatter(a.send, a.recv, a.recv_count, ncclType(a.dtype), ncclOp(a.op), c.comm,
                          c.stream),
        "ncclReduceScatter");
}

void ncclBroadcastCall(const CollArgs& a, NcclComm& c, int, int) {
  check(ncclBroadcast(a.send, a.recv, a.recv_count, ncclType(a.dtype), a.root, c.comm, c.stream),
        "ncclBroadcast");
}

void ncclReduceCall(const CollArgs& a, NcclComm& c, int, int) {
  check(ncclReduce(a.send, a.recv, a.recv_count, ncclType(a.dtype), ncclOp(a.op), a.root, c.comm,
                   c.stream),
        "ncclReduce");
}

void ncclAlltoAllCall(const CollArgs& a, NcclComm& c, int, int n) {
  const std::size_t block = a.send_count / static_cast<std::size_t>(n);
  const std::size_t bytes = block * dtypeSize(a.dtype);
  check(ncclGroupStart(), "ncclGroupStart");
  for (int p = 0; p < n; ++p) {
    const auto* from = static_cast<const std::byte*>(a.send) + p * bytes;
    auto* into = static_cast<std::byte*>(a.recv) + p * bytes;
    check(ncclSend(from, block, ncclType(a.dtype), p, c.comm, c.stream), "ncclSend");
    check(ncclRecv(into, block, ncclType(a.dtype), p, c.comm, c.stream), "ncclRecv");
  }
  check(ncclGroupEnd(), "ncclGroupEnd (alltoall)");
}

void ncclSendRecvCall(const CollArgs& a, NcclComm& c, int rank, int n) {
  check(ncclGroupStart(), "ncclGroupStart");
  check(ncclSend(a.send, a.send_count, ncclType(a.dtype), (rank + 1) % n, c.comm, c.stream),
        "ncclSend");
  check(ncclRecv(a.recv, a.recv_count, ncclType(a.dtype), (rank + n - 1) % n, c.comm, c.stream),
        "ncclRecv");
  check(ncclGroupEnd(), "ncclGroupEnd (sendrecv)");
}

class NcclCollective : public Algorithm {
 public:
  NcclCollective(std::string collective, NcclCall call, std::string forced)
      : collective_(std::move(collective)), call_(call), forced_(std::move(forced)) {}
  std::string name() const override {
    return forced_.empty() ? "nccl" : forced_ == "Ring" ? "nccl-ring" : "nccl-tree";
  }
  std::string collective() const override { return collective_; }
  std::string description() const override {
    return forced_.empty()
               ? "NCCL's " + collective_ +
                     ", NCCL choosing its algorithm (GPU "
                     "vendor baseline)"
               : "NCCL's " + collective_ + " with NCCL_ALGO=" + forced_ + " (GPU vendor baseline)";
  }
  std::string library() const override { return "nccl"; }
  std::vector<MemoryKind> memoryKinds() const override { return {MemoryKind::kCuda}; }
  bool supports(const Communicator& comm, const CollArgs& args) const override {
    // NCCL's alltoall is grouped sends and receives into the same buffer: out of place only.
    const bool exchange_in_place = args.inPlace() && collective_ == "alltoall";
    return comm.bootstrap() && comm.memoryKind() == MemoryKind::kCuda && !exchange_in_place;
  }
  void run(Communicator& comm, const CollArgs& args) override {
    NcclComm& c = commFor(comm, forced_);
    call_(args, c, comm.rank(), comm.size());
    check(cudaStreamSynchronize(c.stream), "cudaStreamSynchronize (NCCL baseline)");
  }

 private:
  std::string collective_;
  NcclCall call_;
  std::string forced_;
};

}  // namespace

std::vector<std::unique_ptr<Algorithm>> makeNcclCollectives() {
  static const std::pair<const char*, NcclCall> calls[] = {
      {"all_reduce", ncclAllReduceCall},
      {"all_gather", ncclAllGatherCall},
      {"reduce_scatter", ncclReduceScatterCall},
      {"broadcast", ncclBroadcastCall},
      {"reduce", ncclReduceCall},
      {"alltoall", ncclAlltoAllCall},
      {"sendrecv", ncclSendRecvCall},
  };
  std::vector<std::unique_ptr<Algorithm>> out;
  for (const auto& [collective, call] : calls) {
    out.push_back(std::make_unique<NcclCollective>(collective, call, ""));
  }
  // The all-reduce with NCCL's algorithm forced, to compare NCCL's ring and tree.
  out.push_back(std::make_unique<NcclCollective>("all_reduce", ncclAllReduceCall, "Ring"));
  out.push_back(std::make_unique<NcclCollective>("all_reduce", ncclAllReduceCall, "Tree"));
  return out;
}

}  // namespace collbench
