// Acceptance: judging measurements against a spec, after a sweep or offline from saved result
// files (`collbench check --spec SPEC.yaml RESULT.json...`).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "results/measurement.h"
#include "results/spec.h"

namespace collbench {

// Prints the verdict table to `out`, writes JUnit XML when `junit_path` is not empty, and
// returns whether every rule passed. Throws std::runtime_error when the XML cannot be written.
bool judge(const Spec& spec, const std::vector<Measurement>& measurements,
           const std::string& junit_path, std::ostream& out, const PairScreen* screen = nullptr);

// The `check` subcommand; argv[0] is "check". Returns the exit status (harness/exit_status.h):
// kExitOk all rules passed, kExitUsage a bad flag or a malformed spec or result file,
// kExitAcceptance a rule failed.
int runCheckCommand(int argc, char** argv);

// loadSpec() with each rule's collective in our name (a rule may say allreduce, bcast, or
// nccl-tests' all_reduce); an unknown collective is a SpecError naming the file and line.
Spec loadSpecOfCollectives(const std::string& path);

}  // namespace collbench
