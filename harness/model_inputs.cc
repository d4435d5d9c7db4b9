#include "harness/model_inputs.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "harness/build_info.h"
#include "results/json.h"
#include "results/model.h"

namespace collbench {
namespace {

// Runs the report tool's converter; its messages go to stderr, where they name the file.
int runConverter(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);  // its "N measurements written": not ours
    if (null >= 0) dup2(null, STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

ResultFile imported(const std::string& path, const ImportOptions& options) {
  const std::string tool = reportToolPath();
  if (access(tool.c_str(), X_OK) != 0) {
    throw ResultFormatError(path +
                            ": not a collbench result file, and the report tool that reads "
                            "nccl-tests, OSU and nccom-test output is not at " +
                            tool + " (set COLLBENCH_REPORT)");
  }
  char tmp[] = "/tmp/collbench-import-XXXXXX";
  const int fd = mkstemp(tmp);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file in /tmp");
  close(fd);
  std::vector<std::string> args{tool, path, "--to-collbench", tmp};
  if (options.osu_ranks > 0)
    args.insert(args.end(), {"--osu-ranks", std::to_string(options.osu_ranks)});
  const int rc = runConverter(args);
  ResultFile file;
  if (rc == 0) file = parseResultFile(readWholeFile(tmp).value_or(""), path);
  unlink(tmp);
  if (rc != 0) {
    throw ResultFormatError(path + ": not a collbench result file, and " + tool +
                            " could not read it (its message is above)");
  }
  return file;
}

}  // namespace

std::string reportToolPath() {
  const char* given = std::getenv("COLLBENCH_REPORT");
  if (given && *given) return given;
  return std::string(COLLBENCH_SOURCE_DIR) + "/scripts/collbench-report";
}

std::vector<ModelInput> readModelInputs(const std::vector<std::string>& files,
                                        const ImportOptions& options) {
  std::vector<ModelInput> out;
  for (const auto& path : files) {
    const auto text = readWholeFile(path);
    if (!text) throw ResultFormatError(path + ": cannot read the file");
    const auto doc = nlohmann::json::parse(*text, nullptr, false);
    const ResultFile file = !doc.is_discarded() && isResultDocument(doc)
                                ? parseResultDocument(doc, path)
                                : imported(path, options);
    const std::uint64_t bucket = tokenBucketBytes(file.run);
    for (const auto& m : file.measurements) {
      const double across = bytesAcrossHosts(m);
      out.push_back({m, path, bucket, bucket > 0 && across > 0 && across < bucket});
    }
  }
  return out;
}

}  // namespace collbench
