// One verdict when a job fails. Each rank that fails says which rank it was waiting for (the
// transport names the peer of a timed-out or closed connection) and reports it to rank 0
// (harness/failure_desk.h); rank 0 follows those waits to where they end. A rank that sent no
// report and that every wait leads to is the culprit (dead, hung, or cut off from the others:
// "host2 (rank 2) sent no report; ranks 0 and 1 waited for it"), as is a rank that failed
// without waiting for anyone. Waits that go round in a circle among ranks that all reported
// point at no single rank. A rank stuck in a step that waits for every rank (the watchdog's
// report, FailureReport::waited_for_all) waited for whichever ranks sent no report.
#pragma once

#include <string>
#include <vector>

#include "results/measurement.h"

namespace collbench {

struct FailureVerdict {
  std::vector<int> culprits;  // ascending; empty when the reports point at no single rank
  std::string text;           // one line for people, and the result file's status.verdict
};

// `reports`: what rank 0 received, any order, at most one per rank; `rank_hosts[r]`: rank r's
// host name, for every rank of the job.
FailureVerdict judgeFailure(const std::vector<FailureReport>& reports,
                            const std::vector<std::string>& rank_hosts);

}  // namespace collbench
