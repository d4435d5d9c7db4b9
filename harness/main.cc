// collbench: launched with mpirun, one process per rank.
//
// Exit status: 0 every check passed; 1 runtime failure (timeout, dead peer, I/O);
// 2 usage error (bad flag, mismatched options across ranks); 3 wrong results.
#include <mpi.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "collectives/api/communicator.h"
#include "collectives/registry.h"
#include "harness/mpi_bootstrap.h"
#include "harness/options.h"
#include "harness/run_info.h"
#include "harness/sweep.h"
#include "harness/watchdog.h"
#include "transports/registry.h"

namespace collbench {
namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int kExitWrong = 3;

// Before MPI_Init the rank is unknown; the launcher's environment usually says.
bool likelyRankZero() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"}) {
    if (const char* v = std::getenv(var)) return std::string(v) == "0";
  }
  return true;
}

void printList() {
  std::cout << "transports:\n";
  for (const auto& t : listTransports())
    std::cout << "  " << t.name << ": " << t.description << "\n";
  std::cout << "algorithms (allreduce):\n";
  for (const auto& a : listAlgorithms())
    std::cout << "  " << a.name << ": " << a.description << "\n";
}

// Every rank must run the same sweep. Returns an empty string when they agree, else a message
// naming the first differing option and the ranks that differ from rank 0.
std::string compareOptionsAcrossRanks(const Options& o, Bootstrap& boot) {
  std::ostringstream mine;
  for (const auto& [k, v] : o.canonical()) mine << k << '=' << v << '\n';
  auto all = allgatherStrings(boot, mine.str());
  for (int r = 1; r < boot.size(); ++r) {
    if (all[r] == all[0]) continue;
    std::istringstream a(all[0]), b(all[r]);
    std::string la, lb;
    while (std::getline(a, la) && std::getline(b, lb) && la == lb) {
    }
    return "options differ between ranks: rank 0 has " + la + ", rank " + std::to_string(r) +
           " has " + lb;
  }
  return "";
}

// Busy-polling wins about 15 us per message on an idle core, and steals the core from the
// very rank we wait for when a host runs more ranks than it has cores.
void chooseSpin(Options& o, const MpiBootstrap& boot) {
  if (o.spin_given) return;
  const auto cores = static_cast<int>(std::thread::hardware_concurrency());
  const bool oversubscribed = cores > 0 && boot.localSize() > cores;
  o.transport_options.tcp.spin = std::chrono::microseconds(oversubscribed ? 0 : 50);
}

int runJob(Options o, int argc, char** argv) {
  MpiBootstrap boot(MPI_COMM_WORLD);
  chooseSpin(o, boot);
  const std::string mismatch = compareOptionsAcrossRanks(o, boot);
  if (!mismatch.empty()) {
    if (boot.rank() == 0) std::cerr << "collbench: error: " << mismatch << "\n";
    return kExitUsage;
  }
  RunInfo run = collectRunInfo(o, boot, argc, argv);
  std::unique_ptr<Transport> transport;
  try {
    transport = makeTransport(o.transport, boot, o.transport_options);
  } catch (const std::exception& e) {
    std::cerr << "collbench: rank " << boot.rank() << " (" << boot.hostname()
              << "): cannot set up transport " << o.transport << ": " << e.what() << "\n";
    return kExitRuntime;
  }
  Communicator comm(*transport, o.comm);
  const bool root = boot.rank() == 0;
  ResultSink sink(run, root ? &std::cout : nullptr, root ? o.json_path : "");
  sink.begin();
  // Backstop for hangs no transport deadline sees (MPI's own calls): print and exit, and
  // mpirun takes the rest of the job down. The result file is already saved.
  const auto grace = o.comm.timeout / 2 + std::chrono::seconds(5);
  Watchdog watchdog(o.comm.timeout + std::chrono::duration_cast<std::chrono::milliseconds>(grace),
                    "rank " + std::to_string(boot.rank()) + " (" + boot.hostname() + ")",
                    [] { std::_Exit(kExitRuntime); });
  Sweep sweep(o, boot, comm, sink, watchdog);
  std::int64_t wrong = 0;
  try {
    wrong = sweep.run();
  } catch (const std::exception& e) {
    std::cerr << "collbench: rank " << boot.rank() << " (" << boot.hostname()
              << "): FAILED: " << e.what() << "\n";
    if (root && !o.json_path.empty()) {
      std::cerr << "collbench: measurements taken so far are in " << o.json_path << "\n";
    }
    MPI_Abort(MPI_COMM_WORLD, kExitRuntime);
    return kExitRuntime;
  }
  sink.end(wrong);
  watchdog.setTask("the end of the run");
  watchdog.arm("final barrier");
  boot.barrier();  // no rank closes its connections while another still uses them
  watchdog.disarm();
  return wrong == 0 ? 0 : kExitWrong;
}

}  // namespace
}  // namespace collbench

int main(int argc, char** argv) {
  using namespace collbench;
  Options options;
  std::string help;
  try {
    options = parseOptions(argc, argv, &help);
  } catch (const UsageError& e) {
    if (likelyRankZero()) {
      std::cerr << "collbench: error: " << e.what() << "\n"
                << "Run 'collbench --help' for the list of options.\n";
    }
    return kExitUsage;
  }
  if (!help.empty()) {
    std::cout << help;
    return 0;
  }
  if (options.show_version || options.show_list) {
    if (options.show_version) std::cout << versionText();
    if (options.show_list) printList();
    return 0;
  }
  MPI_Init(&argc, &argv);
  int status = kExitRuntime;
  try {
    status = runJob(options, argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "collbench: error: " << e.what() << "\n";
    MPI_Abort(MPI_COMM_WORLD, kExitRuntime);
  }
  MPI_Finalize();
  return status;
}
