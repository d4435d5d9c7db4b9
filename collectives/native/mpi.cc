#include "collectives/native/mpi.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

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

class MpiAllreduce : public Algorithm {
 public:
  std::string name() const override { return "mpi"; }
  std::string description() const override {
    return "MPI_Allreduce of the MPI library the harness runs on (vendor baseline)";
  }
  bool usesTransport() const override { return false; }
  bool supports(const Communicator& comm, const CollArgs& args) const override {
    int initialized = 0, world = 0;
    MPI_Initialized(&initialized);
    if (!initialized || comm.memoryKind() != MemoryKind::kHost) return false;
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    return comm.size() <= world && args.count <= static_cast<std::size_t>(INT_MAX);
  }
  void run(Communicator& comm, const CollArgs& args) override {
    const void* send = args.inPlace() ? MPI_IN_PLACE : args.send;
    int rc = MPI_Allreduce(send, args.recv, static_cast<int>(args.count), mpiType(args.dtype),
                           mpiOp(args.dtype, args.op), mpiCommOf(comm));
    if (rc != MPI_SUCCESS) {
      char text[MPI_MAX_ERROR_STRING];
      int len = 0;
      MPI_Error_string(rc, text, &len);
      throw std::runtime_error("MPI_Allreduce failed: " + std::string(text, len));
    }
    if (args.op == ReduceOp::kAvg) finishAverage(args.dtype, args.recv, args.count, comm.size());
  }
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

std::unique_ptr<Algorithm> makeMpiAllreduce() { return std::make_unique<MpiAllreduce>(); }

}  // namespace collbench
