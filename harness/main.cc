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
  std::cout << "algorithms:\n";
  for (const auto& a : listAlgorithms()) {
    std::cout << "  " << a.name << " (" << a.collective << "): " << a.description << "\n";
  }
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

bool oversubscribed(const MpiBootstrap& boot) {
  const auto cores = static_cast<int>(std::thread::hardware_concurrency());
  return cores > 0 && boot.localSize() > cores;
}

// Busy-polling wins about 15 us per message on an idle core, and steals the core from the
// very rank we wait for when a host runs more ranks than it has cores. The same reasoning
// picks libfabric's progress mode under --progress auto.
void tuneForHost(Options& o, const MpiBootstrap& boot) {
  const bool crowded = oversubscribed(boot);
  if (!o.spin_given) o.transport_options.tcp.spin = std::chrono::microseconds(crowded ? 0 : 50);
  auto& fi = o.transport_options.libfabric;
  fi.blocking_progress = o.progress == "block" || (o.progress == "auto" && crowded);
  fi.spin = std::chrono::microseconds(crowded ? 0 : 50);
  fi.local_rank = boot.localRank();
}

// Watchdog limit: past the transport's own deadline, so that its message (which names the
// peer) comes first whenever there is one.
std::chrono::milliseconds watchdogLimit(const Options& o) {
  const auto grace = o.comm.timeout / 2 + std::chrono::seconds(5);
  return o.comm.timeout + std::chrono::duration_cast<std::chrono::milliseconds>(grace);
}

std::unique_ptr<Transport> setUpTransport(const Options& o, MpiBootstrap& boot,
                                          Watchdog& watchdog) {
  watchdog.setTask("setting up transport " + o.transport);
  watchdog.arm("exchanging endpoints");
  try {
    auto transport = makeTransport(o.transport, boot, o.transport_options);
    watchdog.disarm();
    return transport;
  } catch (const std::exception& e) {
    std::cerr << "collbench: rank " << boot.rank() << " (" << boot.hostname()
              << "): cannot set up transport " << o.transport << ": " << e.what() << "\n";
    return nullptr;
  }
}

void describeTransport(RunInfo& run, const Transport& transport, const Sweep& sweep,
                       std::uint64_t buffer_bytes) {
  run.transport_provider = transport.props().provider;
  run.link_gbps = transport.props().link_gbps;
  run.registered_bytes = buffer_bytes;
  run.registration_us = sweep.registrationMicroseconds();
}

int runSweep(const Options& o, MpiBootstrap& boot, Sweep& sweep, ResultSink& sink,
             Watchdog& watchdog) {
  std::int64_t wrong = 0;
  try {
    wrong = sweep.run();
  } catch (const std::exception& e) {
    std::cerr << "collbench: rank " << boot.rank() << " (" << boot.hostname()
              << "): FAILED: " << e.what() << "\n";
    if (boot.rank() == 0 && !o.json_path.empty()) {
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

int runJob(Options o, int argc, char** argv) {
  MpiBootstrap boot(MPI_COMM_WORLD);
  tuneForHost(o, boot);
  const std::string mismatch = compareOptionsAcrossRanks(o, boot);
  if (!mismatch.empty()) {
    if (boot.rank() == 0) std::cerr << "collbench: error: " << mismatch << "\n";
    return kExitUsage;
  }
  // Backstop for hangs no transport deadline sees (MPI's own calls): print and exit, and
  // mpirun takes the rest of the job down. The result file is saved after every size.
  Watchdog watchdog(watchdogLimit(o),
                    "rank " + std::to_string(boot.rank()) + " (" + boot.hostname() + ")",
                    [] { std::_Exit(kExitRuntime); });
  RunInfo run = collectRunInfo(o, boot, argc, argv);
  std::unique_ptr<Transport> transport = setUpTransport(o, boot, watchdog);
  if (!transport) return kExitRuntime;
  Communicator comm(*transport, o.comm);
  const bool root = boot.rank() == 0;
  ResultSink sink(root ? &std::cout : nullptr, root ? o.json_path : "");
  Sweep sweep(o, boot, comm, sink, watchdog);
  describeTransport(run, *transport, sweep, (o.max_bytes + 7) / 8 * 8 * 2);
  sink.begin(run);
  return runSweep(o, boot, sweep, sink, watchdog);
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
