// `collbench model fit|predict|compare`: alpha-beta cost models from saved result files
// (results/model.h), offline, without MPI.
#pragma once

namespace collbench {

// argv[0] is "model". Returns 0, 1 (I/O failure) or 2 (usage error, malformed file).
int runModelCommand(int argc, char** argv);

}  // namespace collbench
