#include "collectives/native/mpi.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "collectives/api/collective.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

MPI_Datatype mpiType(DataType t) {
  switch (t) {
    case DataType::kFloat32:
      return MPI_FLOAT;
    case DataType::kFloat64:
      return MPI_DOUBLE;
    case DataType::kFloat16:
    case DataType::kBFloat16:
      return MPI_UINT16_T;  // reduced by our own user-defined ops
    case DataType::kInt32:
      return MPI_INT32_T;
    case DataType::kInt64:
      return MPI_INT64_T;
    case DataType::kUInt8:
      return MPI_UINT8_T;
  }
  return MPI_DATATYPE_NULL;
}

// MPI has no 16-bit floating types and no average: halves are reduced by user-defined ops
// that call our kernels; avg is a sum followed by the same division our algorithms do.
template <DataType T, ReduceOp O>
void halfOp(void* in, void* inout, int* len, MPI_Datatype*) {
  reduce(T, O, inout, inout, in, static_cast<std::size_t>(*len));
}

template <DataType T>
MPI_Op halfMpiOp(ReduceOp op) {
  static MPI_Op ops[4] = {MPI_OP_NULL, MPI_OP_NULL, MPI_OP_NULL, MPI_OP_NULL};
  static MPI_User_function* fns[4] = {halfOp<T, ReduceOp::kSum>, halfOp<T, ReduceOp::kProd>,
                                      halfOp<T, ReduceOp::kMin>, halfOp<T, ReduceOp::kMax>};
  const int i = static_cast<int>(op == ReduceOp::kAvg ? ReduceOp::kSum : op);
  if (ops[i] == MPI_OP_NULL) MPI_Op_create(fns[i], /*commute=*/1, &ops[i]);
  return ops[i];
}

MPI_Op mpiOp(DataType t, ReduceOp op) {
  if (t == DataType::kFloat16) return halfMpiOp<DataType::kFloat16>(op);
  if (t == DataType::kBFloat16) return halfMpiOp<DataType::kBFloat16>(op);
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAvg:
      return MPI_SUM;
    case ReduceOp::kProd:
      return MPI_PROD;
    case ReduceOp::kMin:
      return MPI_MIN;
    case ReduceOp::kMax:
      return MPI_MAX;
  }
  return MPI_OP_NULL;
}

int count(std::size_t n) { return static_cast<int>(n); }
const void* sendOrInPlace(const CollArgs& a) { return a.inPlace() ? MPI_IN_PLACE : a.send; }
std::size_t blockOf(const CollArgs& a, MPI_Comm comm) {
  int n = 1;
  MPI_Comm_size(comm, &n);
  return a.send_count / static_cast<std::size_t>(n);
}
int rankIn(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}

// One call of each collective, nccl-tests' buffer layout on MPI's calls. Averages are sums
// here and divided afterwards, as our algorithms do.
int mpiAllreduce(const CollArgs& a, MPI_Comm c) {
  return MPI_Allreduce(sendOrInPlace(a), a.recv, count(a.recv_count), mpiType(a.dtype),
                       mpiOp(a.dtype, a.op), c);
}

int mpiAllgather(const CollArgs& a, MPI_Comm c) {
  const MPI_Datatype t = mpiType(a.dtype);
  return MPI_Allgather(sendOrInPlace(a), count(a.send_count), t, a.recv, count(a.send_count), t, c);
}

// MPI's in-place reduce-scatter leaves the result at the start of the buffer; nccl-tests'
// layout wants it at block `rank`, where args.recv points: one move of the result.
int mpiReduceScatter(const CollArgs& a, MPI_Comm c) {
  void* result = a.inPlace() ? const_cast<void*>(a.send) : a.recv;
  const int rc = MPI_Reduce_scatter_block(sendOrInPlace(a), result, count(a.recv_count),
                                          mpiType(a.dtype), mpiOp(a.dtype, a.op), c);
  if (result != a.recv) std::memmove(a.recv, result, a.recvBytes());
  return rc;
}

// nccl-tests' broadcast goes from the root's send buffer to every recv buffer.
int mpiBcast(const CollArgs& a, MPI_Comm c) {
  if (rankIn(c) == a.root && !a.inPlace()) std::memcpy(a.recv, a.send, a.recvBytes());
  return MPI_Bcast(a.recv, count(a.recv_count), mpiType(a.dtype), a.root, c);
}

int mpiReduce(const CollArgs& a, MPI_Comm c) {
  const bool in_place_root = a.inPlace() && rankIn(c) == a.root;
  return MPI_Reduce(in_place_root ? MPI_IN_PLACE : a.send, a.recv, count(a.recv_count),
                    mpiType(a.dtype), mpiOp(a.dtype, a.op), a.root, c);
}

int mpiAlltoall(const CollArgs& a, MPI_Comm c) {
  const MPI_Datatype t = mpiType(a.dtype);
  const int block = count(blockOf(a, c));
  return MPI_Alltoall(sendOrInPlace(a), block, t, a.recv, block, t, c);
}

int mpiSendrecv(const CollArgs& a, MPI_Comm c) {
  int n = 1;
  MPI_Comm_size(c, &n);
  const int me = rankIn(c), next = (me + 1) % n, prev = (me + n - 1) % n;
  const MPI_Datatype t = mpiType(a.dtype);
  if (a.inPlace()) {
    return MPI_Sendrecv_replace(a.recv, count(a.recv_count), t, next, 0, prev, 0, c,
                                MPI_STATUS_IGNORE);
  }
  return MPI_Sendrecv(a.send, count(a.send_count), t, next, 0, a.recv, count(a.recv_count), t, prev,
                      0, c, MPI_STATUS_IGNORE);
}

using MpiCall = int (*)(const CollArgs& args, MPI_Comm comm);

class MpiCollective : public Algorithm {
 public:
  MpiCollective(std::string collective, std::string call_name, MpiCall call)
      : collective_(std::move(collective)), call_name_(std::move(call_name)), call_(call) {}
  std::string name() const override { return "mpi"; }
  std::string collective() const override { return collective_; }
  std::string description() const override {
    return call_name_ + " of the MPI library the harness runs on (vendor baseline)";
  }
  std::string library() const override { return "mpi"; }
  std::vector<MemoryKind> memoryKinds() const override { return {MemoryKind::kHost}; }
  bool supports(const Communicator& comm, const CollArgs& args) const override {
    int initialized = 0, world = 0;
    MPI_Initialized(&initialized);
    if (!initialized || comm.memoryKind() != MemoryKind::kHost) return false;
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    const auto limit = static_cast<std::size_t>(INT_MAX);
    return comm.size() <= world && args.send_count <= limit && args.recv_count <= limit;
  }
  void run(Communicator& comm, const CollArgs& args) override {
    const int rc = call_(args, mpiCommOf(comm));
    if (rc != MPI_SUCCESS) {
      char text[MPI_MAX_ERROR_STRING];
      int len = 0;
      MPI_Error_string(rc, text, &len);
      throw std::runtime_error(call_name_ + " failed: " + std::string(text, len));
    }
    const bool has_result = describeCollective(collective_).hasResult(args, comm.rank());
    if (args.op == ReduceOp::kAvg && has_result) {
      finishAverage(args.dtype, args.recv, args.recv_count, comm.size());
    }
  }

 private:
  std::string collective_, call_name_;
  MpiCall call_;
};

}  // namespace

MPI_Comm mpiCommOf(const Communicator& comm) {
  static std::map<std::vector<int>, MPI_Comm> made;
  const std::vector<int> ranks = comm.rootRanks();
  int world = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &world);
  // Distinct ranks, so world many in ascending order are 0 .. world-1.
  if (static_cast<int>(ranks.size()) == world && std::is_sorted(ranks.begin(), ranks.end()))
    return MPI_COMM_WORLD;
  auto it = made.find(ranks);
  if (it != made.end()) return it->second;
  MPI_Group all, some;
  MPI_Comm_group(MPI_COMM_WORLD, &all);
  MPI_Group_incl(all, static_cast<int>(ranks.size()), ranks.data(), &some);
  MPI_Comm sub = MPI_COMM_NULL;
  MPI_Comm_create_group(MPI_COMM_WORLD, some, 0x6362, &sub);
  MPI_Group_free(&some);
  MPI_Group_free(&all);
  return made[ranks] = sub;
}

std::vector<std::unique_ptr<Algorithm>> makeMpiCollectives() {
  static const std::tuple<const char*, const char*, MpiCall> calls[] = {
      {"all_reduce", "MPI_Allreduce", mpiAllreduce},
      {"all_gather", "MPI_Allgather", mpiAllgather},
      {"reduce_scatter", "MPI_Reduce_scatter_block", mpiReduceScatter},
      {"broadcast", "MPI_Bcast", mpiBcast},
      {"reduce", "MPI_Reduce", mpiReduce},
      {"alltoall", "MPI_Alltoall", mpiAlltoall},
      {"sendrecv", "MPI_Sendrecv", mpiSendrecv},
  };
  std::vector<std::unique_ptr<Algorithm>> out;
  for (const auto& [collective, call_name, call] : calls) {
    out.push_back(std::make_unique<MpiCollective>(collective, call_name, call));
  }
  return out;
}

}  // namespace collbench
