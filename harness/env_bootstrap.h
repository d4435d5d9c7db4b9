// The env bootstrap (--bootstrap env): ranks meet at one TCP address that the launcher's
// environment names, the way torchrun, PyTorchJob, JobSet and Slurm describe a job, so collbench
// starts wherever a launcher can start N processes, without MPI.
//
// Rank 0 listens on MASTER_PORT on every interface; the other ranks connect to
// MASTER_ADDR:MASTER_PORT and say who they are (rank, world size, job token, host). Once every
// rank has joined, rank 0 answers them all and the connections stay open as the bootstrap's
// channel: allgather and barrier go through rank 0 (a star; this is set-up traffic, never on a
// data path). The protocol is in env_bootstrap.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "harness/job_bootstrap.h"
#include "harness/launch.h"

namespace collbench {

// Who this process is and where the ranks meet, read from the environment.
struct RendezvousConfig {
  int rank = 0;
  int world_size = 1;
  int local_rank = -1;        // LOCAL_RANK or SLURM_LOCALID; -1 when not given
  int local_world_size = -1;  // LOCAL_WORLD_SIZE; -1 when not given
  std::string address;        // rank 0's host: MASTER_ADDR, else SLURM_LAUNCH_NODE_IPADDR
  std::uint16_t port = 0;     // MASTER_PORT, else 29500, else (Slurm) one derived from the job
  // COLLBENCH_JOB_TOKEN, else the job's id (Slurm job and step, TORCHELASTIC_RUN_ID): a rank
  // presenting another token is refused, so a second job on the same port cannot join.
  std::string token;
  std::string source;  // the variables it came from, for messages and the result file
};

constexpr std::uint16_t kDefaultRendezvousPort = 29500;  // torchrun's MASTER_PORT default

// Reads RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT (LOCAL_RANK, LOCAL_WORLD_SIZE), else Slurm's
// SLURM_PROCID/SLURM_NTASKS/SLURM_LAUNCH_NODE_IPADDR (SLURM_LOCALID), else a single process.
// Throws UsageError naming the variable that is malformed or missing.
RendezvousConfig rendezvousConfig(const EnvLookup& env = {});

// Meets every rank of `config` within `timeout`. Throws UsageError when the ranks disagree
// (WORLD_SIZE, a rank twice) and std::runtime_error when they never meet, naming the ranks
// that did not arrive (rank 0) or saying why rank 0 could not be reached (the others).
std::unique_ptr<JobBootstrap> rendezvous(const RendezvousConfig& config,
                                         std::chrono::milliseconds timeout);

}  // namespace collbench
