#include "harness/run_info.h"

#include "transports/registry.h"

#include <ctime>
#include <sstream>

#include "collectives/api/collective.h"
#include "collectives/reduce/isa.h"
#include "collectives/registry.h"
#include "harness/build_info.h"
#include "harness/git_revision.h"
#include "harness/launch.h"
#include "harness/topology.h"
#include "results/fabrics.h"

extern char** environ;

namespace collbench {
namespace {

std::string optionalLine(const char* name, const std::string& have, const char* version,
                         const std::string& status) {
  if (have != "ON") return std::string("  ") + name + ": not built in\n";
  return std::string("  ") + name + " " + version + ": found at build time; " + status + "\n";
}

// "; at run time VERSION" for the library `name` loads at run time, if it reports one.
std::string runtimeLibrary(const std::string& name) {
  const auto libs = transportLibraries();
  const auto it = libs.find(name);
  return it == libs.end() ? "" : "; at run time " + it->second;
}

std::string isoTimeNow() {
  std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buf;
}

std::string quoteArg(const std::string& a) {
  if (!a.empty() && a.find_first_of(" \t\"'$\\") == std::string::npos) return a;
  std::string q = "'";
  for (char c : a) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

namespace {

// "avx2 (this CPU runs: generic avx2)": the kernels reduce() uses, then every build this CPU
// supports.
std::string reduceKernelsText() {
  std::string text = std::string(reduceIsaName(activeReduceIsa())) + " (this CPU runs:";
  for (ReduceIsa isa : supportedReduceIsas()) text += std::string(" ") + reduceIsaName(isa);
  return text + ")";
}

}  // namespace

// One line per collective: "all_reduce: ring, tree, ...".
std::string algorithmLines() {
  std::string out = "collectives and algorithms:\n";
  for (const auto& c : collectiveNames()) out += "  " + c + ": " + algorithmNames(c) + "\n";
  return out;
}

std::string versionText() {
  std::ostringstream out;
  out << "collbench " << COLLBENCH_VERSION << " (git " << COLLBENCH_GIT_REVISION << ", "
      << COLLBENCH_BUILD_TYPE << ")\n"
      << "compiler: " << COLLBENCH_COMPILER << "\n"
      << "MPI: " << mpiLibraryVersion() << "\n"
      << "bootstraps (--bootstrap): " << (mpiBuiltIn() ? "mpi, env" : "env") << "\n"
      << "launched by: " << describeLaunch(detectLaunch()) << "\n"
      << "transports: " << transportNames() << "\n"
      << algorithmLines() << "reduction kernels: " << reduceKernelsText() << "\n"
      << "optional dependencies:\n"
      << optionalLine("libfabric", COLLBENCH_HAVE_LIBFABRIC_TEXT, COLLBENCH_LIBFABRIC_VERSION,
                      "transport 'libfabric' built in" + runtimeLibrary("libfabric"))
      << "acceptance specs: yaml-cpp; fabric profiles: " << fabricNames() << "\n"
      << optionalLine("NCCL", COLLBENCH_HAVE_NCCL_TEXT, COLLBENCH_NCCL_VERSION,
                      "transport 'nccl', algorithms nccl, nccl-ring, nccl-tree, --memory cuda" +
                          runtimeLibrary("nccl"))
      << optionalLine("Gloo", COLLBENCH_HAVE_GLOO_TEXT, COLLBENCH_GLOO_VERSION,
                      "algorithms gloo-ring, gloo-bcube (Gloo TCP transport)");
  return out.str();
}

namespace {

bool startsWithAny(const std::string& s, std::initializer_list<const char*> prefixes) {
  for (const char* p : prefixes) {
    if (s.rfind(p, 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::map<std::string, std::string> relevantEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = kv.substr(0, eq);
    if (!startsWithAny(name, {"FI_", "NCCL_", "GLOO_", "OMPI_", "UCX_", "COLLBENCH_",
                              "CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID", "SLURM_NNODES"})) {
      continue;
    }
    // Open MPI's launcher plumbing (and its per-job transport key) says nothing about the run.
    if (startsWithAny(name, {"OMPI_MCA_orte_", "OMPI_MCA_ess", "OMPI_MCA_pmix", "OMPI_MCA_shmem_",
                             "OMPI_MCA_initial_wdir", "OMPI_COMM_WORLD_", "OMPI_FILE_LOCATION",
                             "OMPI_ARGV", "OMPI_COMMAND", "OMPI_APP_CTX", "OMPI_NUM_APP_CTX",
                             "OMPI_FIRST_RANKS", "OMPI_UNIVERSE_SIZE"})) {
      continue;
    }
    env[name] = kv.substr(eq + 1);
  }
  return env;
}

RunInfo collectRunInfo(const Options& options, JobBootstrap& boot, const std::vector<int>& host_ids,
                       int argc, char** argv) {
  RunInfo run;
  for (int i = 0; i < argc; ++i) run.command_line += (i ? " " : "") + quoteArg(argv[i]);
  run.version = COLLBENCH_VERSION;
  run.git_revision = COLLBENCH_GIT_REVISION;
  run.start_time = isoTimeNow();
  run.label = options.label;
  run.transport = options.transport;
  run.ranks = boot.size();
  run.launch = detectLaunch();
  run.launch.bootstrap = boot.kind();
  run.launch.bootstrap_detail = boot.detail();
  run.hosts = gatherHosts(boot, host_ids);
  run.libraries["mpi"] = mpiLibraryVersion();
  run.libraries["compiler"] = COLLBENCH_COMPILER;
  run.libraries["reduce_kernels"] = reduceIsaName(activeReduceIsa());
  for (const auto& [name, version] : transportLibraries()) run.libraries[name] = version;
  run.environment = relevantEnvironment();
  run.options = options.canonical();
  // Chosen per host (it depends on the host's cores), so not part of the cross-rank check.
  run.options["tcp_spin_us"] = std::to_string(options.transport_options.tcp.spin.count());
  run.options["tcp_yield_us"] = std::to_string(options.transport_options.tcp.yield.count());
  run.options["libfabric_progress_in_force"] =
      options.transport_options.libfabric.blocking_progress ? "block" : "poll";
  return run;
}

}  // namespace collbench
