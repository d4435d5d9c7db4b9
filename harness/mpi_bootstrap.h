// Bootstrap over MPI: used to set transports up and to gather timings, never on a data path.
#pragma once

#include <mpi.h>

#include <string>

#include "harness/job_bootstrap.h"

namespace collbench {

class MpiBootstrap : public JobBootstrap {
 public:
  // `owns`: free `comm` on destruction (a stage's communicator).
  explicit MpiBootstrap(MPI_Comm comm, bool owns = false);
  ~MpiBootstrap() override;
  MpiBootstrap(const MpiBootstrap&) = delete;
  MpiBootstrap& operator=(const MpiBootstrap&) = delete;
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allgather(const void* in, std::size_t bytes, void* out) override;
  void barrier() override;
  std::string hostname() const override { return hostname_; }
  std::string kind() const override { return "mpi"; }
  std::string detail() const override { return "MPI_Init"; }
  // Ranks on this host (MPI_COMM_TYPE_SHARED) and this rank's index among them.
  int localSize() const override { return local_size_; }
  int localRank() const override { return local_rank_; }
  // The lowest rank sharing memory with this one, and the host name. Ranks agree on it exactly
  // when they share a host (emulated hosts in network namespaces share memory but not a host
  // name, and count as different hosts).
  std::string hostKey() const override { return std::to_string(local_leader_) + "|" + hostname_; }
  std::unique_ptr<Bootstrap> firstRanks(int k) override;
  std::uint64_t maxOverRanks(std::uint64_t mine) override;
  [[noreturn]] void abort(int code) override;

 private:
  MPI_Comm comm_;
  bool owns_;
  int rank_ = 0, size_ = 0, local_rank_ = 0, local_size_ = 0, local_leader_ = 0;
  std::string hostname_;
};

}  // namespace collbench
