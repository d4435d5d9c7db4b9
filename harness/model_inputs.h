// What `collbench model fit` and `model compare` read: collbench result files as they are, and
// the output of nccl-tests (text or JSON), OSU and nccom-test through the report tool's
// importers (`collbench-report FILE --to-collbench OUT`), so that each format has one reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "results/measurement.h"

namespace collbench {

struct ModelInput {
  Measurement m;
  std::string file;
  // The token bucket of the emulated link the run crossed (0: none recorded), and whether this
  // call moved less than it per rank across hosts: it then ran at the host's speed, not the
  // link's, and no link model describes it.
  std::uint64_t bucket_bytes = 0;
  bool below_bucket = false;
};

struct ImportOptions {
  int osu_ranks = 0;  // OSU does not print its rank count
};

// Every measurement of every file. Throws ResultFormatError naming a file that is neither a
// collbench result nor something the importers read.
std::vector<ModelInput> readModelInputs(const std::vector<std::string>& files,
                                        const ImportOptions& options);

// The report tool: $COLLBENCH_REPORT, else scripts/collbench-report of the source tree.
std::string reportToolPath();

}  // namespace collbench
