// Command-line parsing shared by the subcommands (`collbench check`, `collbench model`).
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "harness/exit_status.h"

namespace collbench {

// Parses argv into `app`. Returns the exit status when parsing ends the command: kExitOk after
// printing the help (-h), kExitUsage after printing "collbench COMMAND: error: ..." to stderr;
// nullopt when the command should run.
inline std::optional<int> parseSubcommand(CLI::App& app, int argc, char** argv,
                                          const std::string& command) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::cerr << "collbench " << command << ": error: " << e.what() << "\n";
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace collbench
