// collbench: one process per rank, started by mpirun, srun or any launcher that sets RANK and
// WORLD_SIZE (--bootstrap, docs/LAUNCH.md).
//
// Exit status: harness/exit_status.h.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "collectives/api/collective.h"
#include "collectives/api/communicator.h"
#include "collectives/registry.h"
#include "harness/check.h"
#include "harness/exit_status.h"
#include "harness/failure_desk.h"
#include "harness/gpu.h"
#include "harness/job_bootstrap.h"
#include "harness/link_screen.h"
#include "harness/model_command.h"
#include "harness/options.h"
#include "harness/run_info.h"
#include "harness/say.h"
#include "harness/sweep.h"
#include "harness/topology.h"
#include "harness/watchdog.h"
#include "results/fabrics.h"
#include "results/failure.h"
#include "transports/registry.h"

namespace collbench {
namespace {

// Before the bootstrap the rank is unknown; the launcher's environment usually says.
int launcherRank() {
  for (const char* var :
       {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID", "RANK"}) {
    if (const char* v = std::getenv(var)) return std::atoi(v);
  }
  return 0;
}

bool likelyRankZero() { return launcherRank() == 0; }

void printList() {
  std::cout << "transports:\n";
  for (const auto& t : listTransports())
    std::cout << "  " << t.name << ": " << t.description << "\n";
  std::cout << "collectives and their algorithms (* measured by default):\n";
  for (const auto& c : allCollectives()) {
    std::cout << "  " << c.name << " (busbw = algbw * " << c.bus_factor_formula
              << (c.has_root ? "; rooted" : "") << ")\n";
    for (const auto& a : listAlgorithms()) {
      if (a.collective != c.name) continue;
      std::cout << "    " << (a.by_default ? "* " : "  ") << a.name << ": " << a.description
                << "\n";
    }
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

bool oversubscribed(const JobBootstrap& boot) {
  const auto cores = static_cast<int>(std::thread::hardware_concurrency());
  return cores > 0 && boot.localSize() > cores;
}

// Busy-polling wins about 15 us per message on an idle core, and steals the core from the
// very rank we wait for when a host runs more ranks than it has cores. The same reasoning
// picks libfabric's progress mode under --progress auto.
void tuneForHost(Options& o, const JobBootstrap& boot) {
  o.transport_options.libfabric.hmem = o.cudaMemory();
  const bool crowded = oversubscribed(boot);
  if (!o.spin_given) o.transport_options.tcp.spin = std::chrono::microseconds(crowded ? 0 : 50);
  if (!o.yield_given) o.transport_options.tcp.yield = std::chrono::microseconds(crowded ? 5000 : 0);
  auto& fi = o.transport_options.libfabric;
  fi.blocking_progress = o.progress == "block" || (o.progress == "auto" && crowded);
  fi.spin = std::chrono::microseconds(crowded ? 0 : 50);
  fi.local_rank = boot.localRank();
}

// Watchdog limit: past the transport's own deadline, so that its message (which names the
// peer) comes first whenever there is one. A transport raises its timeout within a poll of the
// deadline; the 2 s on top cover a loaded host's scheduling (5 s until 2026-12-06: at the
// tests' --timeout 2 that was most of each fault test's run, and nothing came in the gap).
std::chrono::milliseconds watchdogLimit(const Options& o) {
  const auto grace = o.comm.timeout / 2 + std::chrono::seconds(2);
  return o.comm.timeout + std::chrono::duration_cast<std::chrono::milliseconds>(grace);
}

// With --memory cuda, a transport that cannot move device memory itself (TCP; libfabric
// without FI_HMEM) is wrapped in staging through pinned host memory.
std::unique_ptr<Transport> stageIfNeeded(const Options& o, std::unique_ptr<Transport> transport) {
  if (!o.cudaMemory()) return transport;
  for (MemoryKind k : transport->props().memory_kinds) {
    if (k == MemoryKind::kCuda) return transport;
  }
  return std::make_unique<StagingTransport>(std::move(transport), makeCudaStagingCopier());
}

std::unique_ptr<Transport> setUpTransport(const Options& o, JobBootstrap& boot,
                                          Watchdog& watchdog) {
  watchdog.setTask("setting up transport " + o.transport);
  watchdog.arm("exchanging endpoints");
  try {
    auto transport = stageIfNeeded(o, makeTransport(o.transport, boot, o.transport_options));
    watchdog.disarm();
    return transport;
  } catch (const std::exception& e) {
    say("rank " + std::to_string(boot.rank()) + " (" + boot.hostname() +
        "): cannot set up transport " + o.transport + ": " + e.what());
    return nullptr;
  }
}

// The link bandwidth link utilisation is measured against: the flag, else the fabric profile,
// else what the transport reports.
void describeLink(RunInfo& run, const Options& o, const Transport& transport) {
  if (o.link_gbps > 0) {
    run.link_gbps = o.link_gbps, run.link_source = "--link-gbps";
  } else if (const FabricProfile* f = findFabric(o.fabric)) {
    run.link_gbps = f->link_gbps, run.link_source = "fabric " + f->name;
  } else if (transport.props().link_gbps > 0) {
    run.link_gbps = transport.props().link_gbps, run.link_source = "transport";
  }
}

// Gives each host's `field` the value of each of its ranks (`per_rank`, indexed by rank), in its
// rank_list order.
void recordPerRank(RunInfo& run, const std::vector<std::string>& per_rank,
                   std::vector<std::string> HostInfo::*field) {
  for (HostInfo& h : run.hosts) {
    for (int r : h.rank_list) (h.*field).push_back(per_rank[static_cast<std::size_t>(r)]);
  }
}

// Each host's ranks' NICs, where the transport names them. Collective.
void describeNics(RunInfo& run, const Transport& transport, Bootstrap& boot) {
  std::string mine;
  for (const auto& d : transport.props().devices) mine += (mine.empty() ? "" : ",") + d;
  const auto nics = allgatherStrings(boot, mine);
  if (std::all_of(nics.begin(), nics.end(), [](const std::string& n) { return n.empty(); })) return;
  recordPerRank(run, nics, &HostInfo::rank_nics);
}

void describeTransport(RunInfo& run, const Transport& transport, const SweepBuffers& buffers) {
  run.transport_provider = transport.props().provider;
  run.registered_bytes = buffers.bytes();
  run.registration_us = buffers.registrationMicroseconds();
}

// Rank 0's record of a failed job: what it saw, and the verdict of every rank's report (the
// culprit, when the reports point at one rank, is the failed rank).
RunStatus failedStatus(const FailureReport& mine, const std::vector<std::string>& rank_hosts,
                       std::vector<FailureReport> reports) {
  RunStatus st;
  st.state = "failed";
  const FailureVerdict verdict = judgeFailure(reports, rank_hosts);
  st.failed_rank = verdict.culprits.size() == 1 ? verdict.culprits.front()
                   : mine.waited_for >= 0       ? mine.waited_for
                                                : mine.rank;
  st.failed_host = rank_hosts.at(static_cast<std::size_t>(st.failed_rank));
  st.operation = mine.operation;
  st.message = "rank " + std::to_string(mine.rank) + " (" + mine.host + "): " + mine.message;
  st.verdict = verdict.text;
  st.reports = std::move(reports);
  return st;
}

struct Job;
[[noreturn]] void failJob(Job& job, const SweepFailure& e, std::int64_t wrong);

// Everything one launch measures, shared by its --ranks stages.
struct Job {
  const Options& o;
  JobBootstrap& boot;
  Communicator& world;
  SweepBuffers& buffers;
  ResultSink& sink;
  Watchdog& watchdog;
  FailureDesk& desk;
  const std::vector<std::string>& rank_hosts;
};

// One --ranks stage: the first k ranks sweep over a subgroup of the launch's connections while
// the others wait. `calls` carries the tag sequence from stage to stage (every rank leaves
// with the largest). Returns the wrong elements the stage found (0 on ranks that waited).
std::int64_t runStage(Job& job, int k, std::uint64_t& calls) {
  std::unique_ptr<Bootstrap> boot = job.boot.firstRanks(k);
  std::int64_t wrong = 0;
  if (boot) {
    std::vector<int> ranks(static_cast<std::size_t>(k));
    for (int r = 0; r < k; ++r) ranks[static_cast<std::size_t>(r)] = r;
    Subgroup group(job.world, ranks, SubgroupTags::kShared, calls);
    group.comm().setBootstrap(boot.get());
    if (job.o.ranks != "all") {
      const int hosts = group.comm().hostCount();
      job.sink.note("ranks " + std::to_string(k) + " of " + std::to_string(job.boot.size()) +
                    ", on " + std::to_string(hosts) + (hosts == 1 ? " host" : " hosts"));
    }
    wrong = Sweep(job.o, *boot, group, job.buffers, job.sink, job.watchdog).run();
    calls = group.comm().calls();
  }
  // Ranks outside the stage wait here for the whole of it, leaving the cores to it.
  calls = job.boot.maxOverRanks(calls);
  return wrong;
}

// Ends a failed job, from the thread that caught the failure (the sweep's, or the watchdog's
// when a step with no deadline of its own hung): rank 0 gathers every failed rank's report,
// judges them into one verdict, says it and records it in the result file (with every
// measurement taken so far), then ends the job. The others report to rank 0 and wait for that
// (bounded), so that their own end does not take rank 0 down first. Whichever thread comes
// second waits for the first to end the process.
[[noreturn]] void endFailedJob(Job& job, const FailureReport& mine, std::int64_t wrong) {
  static std::atomic_flag ending = ATOMIC_FLAG_INIT;
  while (ending.test_and_set()) std::this_thread::sleep_for(std::chrono::seconds(1));
  JobBootstrap& boot = job.boot;
  if (boot.rank() == 0) {
    const RunStatus status = failedStatus(mine, job.rank_hosts, job.desk.collect(mine));
    say("verdict: " + status.verdict);
    if (!job.o.json_path.empty()) {
      job.sink.finish(status, wrong);
      say("measurements taken so far are in " + job.o.json_path);
    }
  } else {
    const std::string unsent = job.desk.send(mine);
    if (!unsent.empty()) {
      say("rank " + std::to_string(boot.rank()) + " (" + boot.hostname() +
          "): could not report to rank 0: " + unsent);
    }
    job.desk.awaitEnd();
  }
  // From the watchdog's thread too: MPI_Abort is the one MPI call made while the main thread
  // waits inside MPI (it polls nonblocking calls, so it holds no lock for long).
  boot.abort(kExitRuntime);
  std::_Exit(kExitRuntime);  // not reached: abort() ends the process
}

void failJob(Job& job, const SweepFailure& e, std::int64_t wrong) {
  JobBootstrap& boot = job.boot;
  job.watchdog.disarm();  // what follows has deadlines of its own
  say("rank " + std::to_string(boot.rank()) + " (" + boot.hostname() + "): FAILED: " + e.what());
  const FailureReport mine{boot.rank(),  boot.hostname(), e.suspect(),
                           e.peerLost(), e.operation(),   e.what()};
  endFailedJob(job, mine, wrong);
}

// The watchdog's report: this rank hung in a step that waits for every rank.
[[noreturn]] void failHungJob(Job& job, const std::string& task, const std::string& message) {
  FailureReport mine{job.boot.rank(), job.boot.hostname(), -1, false, task, message};
  mine.waited_for_all = true;
  endFailedJob(job, mine, 0);
}

// --collective pairwise or neighbors: the screen over every rank, its verdicts on rank 0's
// console and in the result file. Exit 4 when it flagged anything.
int runScreen(Job& job) {
  job.world.setBootstrap(&job.boot);
  PairScreen screen;
  try {
    screen = runLinkScreen(job.o, job.boot, job.world, job.rank_hosts, job.watchdog);
  } catch (const SweepFailure& e) {
    failJob(job, e, 0);
  }
  job.sink.screen(screen);
  RunStatus done;
  done.state = "complete";
  job.sink.finish(done, 0);
  bool accepted = true;
  if (job.boot.rank() == 0 && job.o.spec)
    accepted = judge(*job.o.spec, {}, job.o.junit_path, std::cout, &screen);
  job.watchdog.setTask("the end of the run");
  job.watchdog.arm("final barrier");
  job.boot.barrier();
  job.watchdog.disarm();
  return screen.verdicts.empty() && accepted ? kExitOk : kExitAcceptance;
}

// Every stage, then the acceptance verdicts on rank 0. A failure is recorded in the result
// file (by rank 0, which then aborts the job; other ranks abort at once).
int runSweeps(Job& job) {
  const Options& o = job.o;
  JobBootstrap& boot = job.boot;
  std::int64_t wrong = 0;
  try {
    std::uint64_t calls = job.world.calls();
    for (int k : rankCounts(o.ranks, boot.size())) wrong += runStage(job, k, calls);
  } catch (const SweepFailure& e) {
    failJob(job, e, wrong);
  }
  wrong = static_cast<std::int64_t>(boot.maxOverRanks(static_cast<std::uint64_t>(wrong)));
  RunStatus done;
  done.state = "complete";
  job.sink.finish(done, wrong);
  bool accepted = true;
  if (boot.rank() == 0 && o.spec)
    accepted = judge(*o.spec, job.sink.measurements(), o.junit_path, std::cout);
  job.watchdog.setTask("the end of the run");
  job.watchdog.arm("final barrier");
  boot.barrier();  // no rank closes its connections while another still uses them
  job.watchdog.disarm();
  if (wrong != 0) return kExitWrong;
  return accepted ? kExitOk : kExitAcceptance;
}

std::string gib(std::uint64_t bytes) {
  std::ostringstream s;
  s.precision(3);
  s << static_cast<double>(bytes) / (1ull << 30) << " GiB";
  return s.str();
}

// Every rank's problem, the first one found; collective.
std::string firstProblem(JobBootstrap& boot, const std::string& mine) {
  for (const auto& problem : allgatherStrings(boot, mine)) {
    if (!problem.empty()) return problem;
  }
  return "";
}

// Sizes larger than the memory the host has free fail here, before any traffic, rather than
// in the kernel's OOM killer halfway through a sweep. Collective over the bootstrap.
std::string checkMemory(const Options& o, JobBootstrap& boot) {
  bool workspace = false;
  int own = 0;
  for (const auto& p : o.plan) {
    const auto algorithm = makeAlgorithm(p.collective, p.algorithm);
    workspace = workspace || algorithm->usesWorkspace();
    own = std::max(own, algorithm->ownBuffers());
  }
  const std::uint64_t buffers = 2 + (workspace ? 1 : 0) + static_cast<std::uint64_t>(own);
  const std::uint64_t per_rank = ((o.max_bytes + 7) / 8 * 8) * buffers +
                                 o.comm.segment_bytes * (2 * o.comm.segments_in_flight + 2);
  const std::uint64_t need = per_rank * static_cast<std::uint64_t>(boot.localSize());
  const std::uint64_t have = availableMemoryBytes();
  std::string mine;
  if (have > 0 && need > have / 10 * 9) {
    mine = "-e/--maxbytes: " + describeSize(o.max_bytes) + " needs " + gib(need) + " on host " +
           boot.hostname() + " (" + std::to_string(boot.localSize()) + " ranks x " +
           std::to_string(buffers) + " buffers), but only " + gib(have) + " is available";
  }
  return firstProblem(boot, mine);
}

// --memory cuda: one device per rank, --device or the local rank's, chosen before any traffic.
// Returns this rank's problem, empty when the device is set.
std::string chooseDevice(const Options& o, const JobBootstrap& boot) {
  std::string why;
  const int devices = cudaDevices(&why);
  const std::string where = "rank " + std::to_string(boot.rank()) + " (" + boot.hostname() + ")";
  if (devices == 0) return "--memory cuda: " + where + " sees no CUDA device (" + why + ")";
  const int device = o.device >= 0 ? o.device : boot.localRank();
  if (device >= devices) {
    return "--memory cuda: " + where + " would use device " + std::to_string(device) +
           " but sees " + std::to_string(devices) +
           (o.device >= 0 ? " (--device)"
                          : "; run at most that many ranks per host, or give --device");
  }
  try {
    selectCudaDevice(device);
  } catch (const std::exception& e) {
    return "--memory cuda: " + where + ": " + e.what();
  }
  return "";
}

// Each host's ranks' GPUs, with --memory cuda. Collective.
void describeDevices(RunInfo& run, const Options& o, JobBootstrap& boot) {
  if (!o.cudaMemory()) return;
  recordPerRank(run, allgatherStrings(boot, currentCudaDevice()), &HostInfo::rank_gpus);
}

// --ranks against the launch size, which only the bootstrap knows.
// --root must be a rank of the smallest stage when a rooted collective is measured.
std::string checkRankCounts(const Options& o, int world) {
  std::vector<int> counts;
  try {
    counts = rankCounts(o.ranks, world);
  } catch (const UsageError& e) {
    return e.what();
  }
  for (const auto& c : o.collectives) {
    if (describeCollective(c).has_root && o.root >= counts.front()) {
      return "-r/--root: " + std::to_string(o.root) + " is not a rank of the " +
             std::to_string(counts.front()) + "-rank stage (" + c + " needs its root there)";
    }
  }
  return "";
}

// Starts --bootstrap, bounded by a watchdog: MPI_Init waits for every rank of the job, and one
// that never starts would hang the rest there, where no MPI call can tell which rank is
// missing (the env rendezvous has deadlines of its own, so the watchdog is only a backstop).
// Returns null after saying why the ranks did not meet.
std::unique_ptr<JobBootstrap> startBootstrap(const Options& o, int& argc, char**& argv) {
  const bool mpi = o.bootstrap == "mpi";
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  Watchdog start_up(o.comm.timeout + std::chrono::seconds(mpi ? 0 : 10),
                    "launcher rank " + std::to_string(launcherRank()) + " (" + host + ")",
                    [](const std::string&, const std::string&) { std::_Exit(kExitRuntime); });
  start_up.setTask(mpi ? "start-up (MPI_Init waits for every rank; a rank that prints nothing "
                         "here never started)"
                       : "start-up (the env rendezvous)");
  start_up.arm(mpi ? "MPI_Init" : "rendezvous");
  try {
    return mpi ? startMpiBootstrap(o, argc, argv) : startEnvBootstrap(o);
  } catch (const UsageError& e) {
    say(std::string("error: ") + e.what());
    std::_Exit(kExitUsage);
  } catch (const std::exception& e) {
    say(std::string("error: ") + e.what());
  }
  return nullptr;
}

int runJob(Options o, JobBootstrap& boot, double startup_s, int argc, char** argv) {
  tuneForHost(o, boot);
  std::string problem = compareOptionsAcrossRanks(o, boot);
  if (problem.empty()) problem = firstProblem(boot, boot.rank() == 0 ? outputPathsProblem(o) : "");
  if (problem.empty()) problem = checkRankCounts(o, boot.size());
  if (problem.empty()) problem = checkMemory(o, boot);
  if (problem.empty() && o.cudaMemory()) problem = firstProblem(boot, chooseDevice(o, boot));
  if (!problem.empty()) {
    if (boot.rank() == 0) say("error: " + problem);
    return kExitUsage;
  }
  // Backstop for hangs no transport deadline sees (the bootstrap's calls): once the failure
  // desk is up (`watched`), the hang is reported to rank 0 for the verdict like any failure;
  // before, it saves what the result file should say and exits. mpirun takes the rest of the
  // job down; without it the others see this rank's connections close.
  std::atomic<Job*> watched{nullptr};
  Watchdog watchdog(watchdogLimit(o),
                    "rank " + std::to_string(boot.rank()) + " (" + boot.hostname() + ")",
                    [&watched](const std::string& task, const std::string& message) {
                      if (Job* job = watched.load()) failHungJob(*job, task, message);
                      writeLastWords();
                      std::_Exit(kExitRuntime);
                    });
  const std::vector<int> host_ids = gatherHostIds(boot, boot.hostKey());
  RunInfo run = collectRunInfo(o, boot, host_ids, argc, argv);
  run.launch.startup_s = startup_s;
  describeDevices(run, o, boot);
  const std::vector<std::string> rank_hosts = allgatherStrings(boot, boot.hostname());
  std::unique_ptr<Transport> transport = setUpTransport(o, boot, watchdog);
  // The other ranks may be waiting for this one inside their transport's endpoint exchange:
  // end the job now (they waited for the watchdog before, 452 s at the default --timeout).
  if (!transport) boot.abort(kExitRuntime);
  if (o.cudaMemory()) o.comm.memory = &deviceMemoryOps();
  Communicator world(*transport, o.comm);
  world.setHosts(host_ids);
  const bool root = boot.rank() == 0;
  ResultSink sink(root ? &std::cout : nullptr,
                  root ? SinkPaths{o.json_path, o.csv_path} : SinkPaths{});
  SweepBuffers buffers(world, o.max_bytes);
  describeTransport(run, *transport, buffers);
  describeNics(run, *transport, boot);
  describeLink(run, o, *transport);
  sink.begin(run);
  const TransportProps& props = transport->props();
  if (!props.limitations.empty())
    sink.note(props.name + " " + props.provider + ": " + props.limitations);
  watchdog.setTask("setting up the failure reports");
  watchdog.arm("sharing rank 0's address");
  FailureDesk desk(boot, reportWait(o.comm.timeout, watchdogLimit(o)));
  watchdog.disarm();
  Job job{o, boot, world, buffers, sink, watchdog, desk, rank_hosts};
  watched = &job;
  const int status = o.screen.empty() ? runSweeps(job) : runScreen(job);
  watched = nullptr;
  world.releaseRegions();
  return status;
}

}  // namespace
}  // namespace collbench

int main(int argc, char** argv) {
  using namespace collbench;
  if (argc > 1 && std::string(argv[1]) == "check") return runCheckCommand(argc - 1, argv + 1);
  if (argc > 1 && std::string(argv[1]) == "model") return runModelCommand(argc - 1, argv + 1);
  Options options;
  std::string help;
  try {
    options = parseOptions(argc, argv, &help);
  } catch (const UsageError& e) {
    if (likelyRankZero()) {
      say(std::string("error: ") + e.what() + "\nRun 'collbench --help' for the list of options.");
    }
    return kExitUsage;
  }
  if (!help.empty()) {
    std::cout << help;
    return kExitOk;
  }
  if (options.show_version || options.show_list || options.show_fabrics) {
    if (options.show_version) std::cout << versionText();
    if (options.show_list) printList();
    if (options.show_fabrics) std::cout << fabricTable();
    return kExitOk;
  }
  if (options.inject_late_join_rank >= 0 && launcherRank() == options.inject_late_join_rank) {
    std::this_thread::sleep_for(std::chrono::hours(1));
  }
  const auto started = std::chrono::steady_clock::now();
  // --fi-provider wins over FI_PROVIDER. libfabric reads the variable once, and Open MPI's own
  // libfabric components may do that inside MPI_Init, so it goes before.
  if (options.transport == "libfabric" && options.fi_provider_flag) {
    ::unsetenv("FI_PROVIDER");
  }
  std::unique_ptr<JobBootstrap> boot = startBootstrap(options, argc, argv);
  if (!boot) return kExitRuntime;
  const std::chrono::duration<double> startup = std::chrono::steady_clock::now() - started;
  int status = kExitRuntime;
  try {
    status = runJob(options, *boot, startup.count(), argc, argv);
  } catch (const std::exception& e) {
    say(std::string("error: ") + e.what());
    boot->abort(kExitRuntime);
  }
  return status;
}
