#include "harness/mpi_bootstrap.h"

#include <climits>
#include <stdexcept>

namespace collbench {

MpiBootstrap::MpiBootstrap(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm, &rank_);
  MPI_Comm_size(comm, &size_);
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  MPI_Get_processor_name(name, &len);
  hostname_.assign(name, len);
  MPI_Comm local;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &local_rank_);
  MPI_Comm_size(local, &local_size_);
  local_leader_ = rank_;
  MPI_Bcast(&local_leader_, 1, MPI_INT, 0, local);
  MPI_Comm_free(&local);
}

void MpiBootstrap::allgather(const void* in, std::size_t bytes, void* out) {
  if (bytes > static_cast<std::size_t>(INT_MAX)) throw std::length_error("allgather too large");
  MPI_Allgather(in, static_cast<int>(bytes), MPI_BYTE, out, static_cast<int>(bytes), MPI_BYTE,
                comm_);
}

void MpiBootstrap::barrier() { MPI_Barrier(comm_); }

}  // namespace collbench
