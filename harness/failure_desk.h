// Where failed ranks report, so that rank 0 can print one verdict for a failed job
// (results/failure.h). Rank 0 listens on a TCP socket of its own, apart from the transport and
// the bootstrap (either may be what failed: MPI's traffic crosses the same cut cable), from
// the start of the run; a rank that fails sends it what it saw and then waits for rank 0 to
// end the job, so that its launcher's abort does not take rank 0 down before the verdict.
// Reports carry a number rank 0 drew at start-up, so a stray connection cannot add one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/job_bootstrap.h"
#include "results/measurement.h"
#include "transports/tcp/socket.h"

namespace collbench {

class FailureDesk {
 public:
  // Collective over `boot`, before any traffic. `wait`: how long rank 0 waits for the other
  // ranks' reports once it has failed itself.
  FailureDesk(JobBootstrap& boot, std::chrono::milliseconds wait);
  ~FailureDesk();
  FailureDesk(const FailureDesk&) = delete;
  FailureDesk& operator=(const FailureDesk&) = delete;

  // Rank 0: its own report first, then every other rank's received until each has reported or
  // is known gone (a report says its connection failed), or `wait` has passed.
  std::vector<FailureReport> collect(const FailureReport& mine);
  // Any other rank: sends the report to rank 0; returns "" when rank 0 took it, else why not.
  std::string send(const FailureReport& mine);
  // After send: waits until rank 0 ends the job (its connection closes), at most `wait` plus a
  // few seconds for rank 0 to write the result file.
  void awaitEnd();

 private:
  bool allAccountedFor(const FailureReport& mine) const;  // with mu_ held
  void serve();
  void receive(tcp::Fd conn);
  std::string trySend(const std::string& ip, const FailureReport& mine);

  const int rank_, ranks_;
  const std::chrono::milliseconds wait_;
  std::uint64_t nonce_ = 0;
  std::uint16_t port_ = 0;                     // 0: rank 0 could not listen
  std::vector<std::string> addresses_;         // rank 0's, in the order to try them
  tcp::Fd listener_, stop_read_, stop_write_;  // rank 0
  tcp::Fd sent_;                               // elsewhere: the connection a report went over
  std::thread server_;
  std::mutex mu_;
  std::condition_variable arrived_;
  std::vector<FailureReport> reports_;  // guarded by mu_
  std::vector<tcp::Fd> held_;           // reporters' connections, closed when the job ends
};

// How long rank 0 waits for the reports once its own operation timed out (after `timeout`
// without progress): until the other ranks' watchdogs (`watchdog_limit` without progress) have
// fired too, and a second for the report to travel. A survivor stalled in an MPI call (the
// check's gather, the timing reduction), where no transport deadline applies, reports only
// when its watchdog fires; a shorter wait left it out of the verdict. The wait ends early once
// every rank has reported or is known gone.
std::chrono::milliseconds reportWait(std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds watchdog_limit);

}  // namespace collbench
