#include "harness/check.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "collectives/api/collective.h"
#include "harness/exit_status.h"
#include "harness/options.h"
#include "harness/subcommand.h"
#include "results/baseline.h"
#include "results/json.h"
#include "results/reporter.h"

namespace collbench {

bool judge(const Spec& spec, const std::vector<Measurement>& measurements,
           const std::string& junit_path, std::ostream& out, const PairScreen* screen) {
  const SpecReport report = evaluate(spec, measurements, screen);
  printVerdicts(out, report);
  if (!junit_path.empty()) writeFileAtomically(junit_path, junitXml(spec, report));
  return report.passed();
}

Spec loadSpecOfCollectives(const std::string& path) {
  Spec spec = loadSpec(path);
  for (SpecRule& rule : spec.rules) {
    if (rule.collective.empty()) continue;
    try {
      rule.collective = describeCollective(rule.collective).name;
    } catch (const std::invalid_argument& e) {
      throw SpecError(spec.source + ":" + std::to_string(rule.line) + ": collective: " + e.what());
    }
  }
  return spec;
}

namespace {

struct CheckArgs {
  std::string spec_path, junit_path, baseline_path, tolerance = "10%";
  std::vector<std::string> files;
};

// Every measurement of `files` (and the last link screen among them), saying which come from a
// run that failed.
std::vector<Measurement> readMeasurements(const std::vector<std::string>& files,
                                          std::optional<PairScreen>* screen = nullptr) {
  std::vector<Measurement> all;
  for (const auto& f : files) {
    ResultFile r = readResultFile(f);
    if (r.run.status.state == "failed") {
      std::cout << "# note: " << f << " is from a run that failed: " << r.run.status.message
                << "\n";
    }
    all.insert(all.end(), r.measurements.begin(), r.measurements.end());
    if (screen && r.screen) *screen = r.screen;
  }
  return all;
}

// --baseline on two link screens: pair by pair.
int compareScreenFiles(const CheckArgs& a, const PairScreen& before, const PairScreen& after,
                       double tolerance) {
  ScreenComparison c;
  try {
    c = compareScreens(before, after, tolerance);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--baseline: " + a.baseline_path + ": " + e.what());
  }
  return printScreenComparison(std::cout, after, c, tolerance) ? kExitOk : kExitAcceptance;
}

// --baseline: exit 0 when nothing regressed beyond the tolerance, 4 when something did, 2 when
// the two sets have no measurement in common (saying which fields differ).
int compareFiles(const CheckArgs& a, const std::vector<Measurement>& now,
                 const std::optional<PairScreen>& screen) {
  double tolerance = 0;
  try {
    tolerance = parseTolerance(a.tolerance);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--tolerance: ") + e.what());
  }
  std::optional<PairScreen> old_screen;
  const std::vector<Measurement> before = readMeasurements({a.baseline_path}, &old_screen);
  if (old_screen && screen) return compareScreenFiles(a, *old_screen, *screen, tolerance);
  const BaselineComparison c = compareWithBaseline(before, now, tolerance);
  if (c.matched.empty()) {
    std::string why;
    for (const auto& m : c.mismatches) why += "; " + m;
    throw UsageError("--baseline: no measurement of " + a.baseline_path +
                     " matches one of the new results (same collective, algorithm, transport, "
                     "ranks, size, type, op, root and placement)" +
                     why);
  }
  return printComparison(std::cout, c, tolerance) ? kExitOk : kExitAcceptance;
}

int runCheck(const CheckArgs& a) {
  std::optional<PairScreen> screen;
  const std::vector<Measurement> all = readMeasurements(a.files, &screen);
  int status = kExitOk;
  if (!a.spec_path.empty()) {
    const Spec spec = loadSpecOfCollectives(a.spec_path);
    const PairScreen* pairs = screen ? &*screen : nullptr;
    if (!judge(spec, all, a.junit_path, std::cout, pairs)) status = kExitAcceptance;
  }
  if (!a.baseline_path.empty() && compareFiles(a, all, screen) != kExitOk) status = kExitAcceptance;
  return status;
}

}  // namespace

int runCheckCommand(int argc, char** argv) {
  CLI::App app{
      "collbench check: judge saved result files against an acceptance spec, or compare them "
      "with a baseline"};
  CheckArgs a;
  app.add_option("--spec", a.spec_path, "Acceptance spec (YAML)");
  app.add_option("--junit", a.junit_path, "Write the verdicts as JUnit XML to this file");
  app.add_option("--baseline", a.baseline_path,
                 "A result file to compare with, measurement by measurement (exit 4 when one "
                 "is slower beyond --tolerance)");
  app.add_option("--tolerance", a.tolerance, "Slowdown allowed against --baseline (default 10%)");
  app.add_option("results", a.files, "Result files written by collbench -J")->required();
  if (const auto status = parseSubcommand(app, argc, argv, "check")) return *status;
  std::string problem = outputPathProblem("--junit", a.junit_path);
  if (problem.empty() && a.spec_path.empty() && a.baseline_path.empty())
    problem = "give --spec, --baseline or both";
  if (!problem.empty()) {
    std::cerr << "collbench check: error: " + problem + "\n";
    return kExitUsage;
  }
  try {
    return runCheck(a);
  } catch (const SpecError& e) {
    std::cerr << "collbench check: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const ResultFormatError& e) {
    std::cerr << "collbench check: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << "collbench check: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "collbench check: error: " << e.what() << "\n";
    return kExitRuntime;
  }
}

}  // namespace collbench
