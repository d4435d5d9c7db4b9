#include <gtest/gtest.h>

#include <map>
#include <string>

#include "harness/launch.h"

namespace collbench {
namespace {

// detectLaunch over a made-up environment.
LaunchInfo launchWith(const std::map<std::string, std::string>& vars) {
  return detectLaunch([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(Launch, NothingSetIsASingleProcess) {
  const LaunchInfo l = launchWith({});
  EXPECT_EQ(l.launcher, "none (a single process)");
  EXPECT_EQ(l.slurm_job_id, "");
  EXPECT_EQ(describeLaunch(l), "none (a single process)");
}

TEST(Launch, SrunStepWithItsMpiPlugin) {
  const LaunchInfo l = launchWith({{"SLURM_JOB_ID", "12"},
                                   {"SLURM_STEP_ID", "0"},
                                   {"SLURM_PROCID", "1"},
                                   {"SLURM_MPI_TYPE", "pmix"},
                                   {"SLURM_JOB_NODELIST", "node[1-2]"},
                                   {"PMIX_RANK", "1"}});
  EXPECT_EQ(l.launcher, "srun --mpi=pmix");
  EXPECT_EQ(l.slurm_step_id, "0");
  EXPECT_EQ(describeLaunch(l), "srun --mpi=pmix, Slurm job 12 (step 0) on node[1-2]");
}

// Inside an allocation mpirun starts its daemons with srun: its ranks can see a Slurm step,
// and are still mpirun's.
TEST(Launch, MpirunInsideAnAllocationIsMpirun) {
  const LaunchInfo l = launchWith({{"SLURM_JOB_ID", "7"},
                                   {"SLURM_STEP_ID", "1"},
                                   {"SLURM_PROCID", "0"},
                                   {"SLURM_NODELIST", "a,b"},
                                   {"OMPI_MCA_orte_hnp_uri", "1.0;tcp://10.0.0.1:1"}});
  EXPECT_EQ(l.launcher, "mpirun (Open MPI)");
  EXPECT_EQ(l.slurm_job_id, "7");
  EXPECT_EQ(l.slurm_nodelist, "a,b");
}

TEST(Launch, OtherLaunchers) {
  EXPECT_EQ(launchWith({{"PRTE_LAUNCHED", "1"}}).launcher, "mpirun (Open MPI)");
  EXPECT_EQ(launchWith({{"PMI_FD", "5"}, {"PMI_RANK", "0"}}).launcher, "mpiexec (Hydra)");
  EXPECT_EQ(launchWith({{"PMIX_RANK", "0"}}).launcher, "a PMI launcher");
  EXPECT_EQ(launchWith({{"SLURM_STEPID", "3"}, {"SLURM_PROCID", "0"}}).launcher, "srun");
}

}  // namespace
}  // namespace collbench
