#include "harness/check.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "collectives/api/collective.h"
#include "harness/options.h"
#include "results/json.h"
#include "results/reporter.h"

namespace collbench {

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

}  // namespace

bool judge(const Spec& spec, const std::vector<Measurement>& measurements,
           const std::string& junit_path, std::ostream& out) {
  const SpecReport report = evaluate(spec, measurements);
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

int runCheckCommand(int argc, char** argv) {
  CLI::App app{"collbench check: judge saved result files against an acceptance spec"};
  std::string spec_path, junit_path;
  std::vector<std::string> files;
  app.add_option("--spec", spec_path, "Acceptance spec (YAML)")->required();
  app.add_option("--junit", junit_path, "Write the verdicts as JUnit XML to this file");
  app.add_option("results", files, "Result files written by collbench -J")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "collbench check: error: " << e.what() << "\n";
    return kExitUsage;
  }
  if (const std::string problem = outputPathProblem("--junit", junit_path); !problem.empty()) {
    std::cerr << "collbench check: error: " + problem + "\n";
    return kExitUsage;
  }
  try {
    const Spec spec = loadSpecOfCollectives(spec_path);
    std::vector<Measurement> all;
    for (const auto& f : files) {
      ResultFile r = readResultFile(f);
      if (r.run.status.state == "failed") {
        std::cout << "# note: " << f << " is from a run that failed: " << r.run.status.message
                  << "\n";
      }
      all.insert(all.end(), r.measurements.begin(), r.measurements.end());
    }
    return judge(spec, all, junit_path, std::cout) ? 0 : kExitAcceptance;
  } catch (const SpecError& e) {
    std::cerr << "collbench check: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const ResultFormatError& e) {
    std::cerr << "collbench check: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "collbench check: error: " << e.what() << "\n";
    return kExitRuntime;
  }
}

}  // namespace collbench
