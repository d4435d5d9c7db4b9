// The link screens (--collective pairwise, neighbors): rounds of disjoint pairs
// (collectives/patterns/pairs.h), each pair measuring its round-trip latency and its bandwidth
// in both directions at once over the launch's transport, gathered into a PairScreen
// (results/screen.h) on every rank.
#pragma once

#include <string>
#include <vector>

#include "collectives/api/communicator.h"
#include "harness/options.h"
#include "harness/watchdog.h"
#include "results/screen.h"
#include "transports/api/bootstrap.h"

namespace collbench {

// The screens --collective accepts, in the order --help lists them.
const std::vector<std::string>& screenKinds();

// Collective over every rank of `comm` (and `boot`, over the same ranks). Measures at -b
// (latency) and -e (bandwidth), -w warm-up and -n timed iterations per pair and size. Throws
// SweepFailure (harness/sweep.h) naming the round, the pair and what failed.
PairScreen runLinkScreen(const Options& o, Bootstrap& boot, Communicator& comm,
                         const std::vector<std::string>& hosts, Watchdog& watchdog);

}  // namespace collbench
