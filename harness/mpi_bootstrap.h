// Bootstrap over MPI: used to set transports up and to gather timings, never on a data path.
#pragma once

#include <mpi.h>

#include <string>

#include "transports/api/bootstrap.h"

namespace collbench {

class MpiBootstrap : public Bootstrap {
 public:
  explicit MpiBootstrap(MPI_Comm comm);
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allgather(const void* in, std::size_t bytes, void* out) override;
  void barrier() override;
  std::string hostname() const override { return hostname_; }
  // Ranks on this host (MPI_COMM_TYPE_SHARED) and this rank's index among them.
  int localSize() const { return local_size_; }
  int localRank() const { return local_rank_; }
  // This host's identity: the lowest rank sharing memory with this one, and the host name.
  // Ranks agree on it exactly when they share a host (emulated hosts in network namespaces
  // share memory but not a host name, and count as different hosts).
  std::string hostKey() const { return std::to_string(local_leader_) + "|" + hostname_; }

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 0, local_rank_ = 0, local_size_ = 0, local_leader_ = 0;
  std::string hostname_;
};

}  // namespace collbench
