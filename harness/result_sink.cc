#include "harness/result_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>

#include "results/console.h"
#include "results/csv.h"
#include "results/json.h"

namespace collbench {

namespace {

// The file a terminated rank 0 leaves behind. Two buffers, so that the one a signal handler
// may be reading is never the one being rewritten.
struct LastWords {
  std::array<std::string, 2> text;
  std::atomic<int> ready{-1};  // index of the buffer to write, -1 for none
  std::string path, tmp_path;
};

LastWords& lastWords() {
  static LastWords words;
  return words;
}

void onTerminate(int sig) {
  writeLastWords();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

void writeLastWords() {
  LastWords& w = lastWords();
  const int i = w.ready.exchange(-1);
  if (i < 0) return;
  const std::string& text = w.text[i];
  const int fd = ::open(w.tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done == text.size()) ::rename(w.tmp_path.c_str(), w.path.c_str());
}

ResultSink::ResultSink(std::ostream* console, const SinkPaths& paths) {
  if (console) reporters_.push_back(std::make_unique<ConsoleReporter>(*console));
  if (!paths.csv.empty()) reporters_.push_back(std::make_unique<CsvFileReporter>(paths.csv));
  if (paths.json.empty()) return;
  auto json = std::make_unique<JsonFileReporter>(paths.json);
  json_ = json.get();
  reporters_.push_back(std::move(json));
  lastWords().path = paths.json;
  lastWords().tmp_path = paths.json + ".tmp";
  std::signal(SIGTERM, onTerminate);
  std::signal(SIGINT, onTerminate);
}

ResultSink::~ResultSink() {
  if (!json_) return;
  lastWords().ready = -1;
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
}

void ResultSink::begin(RunInfo run) {
  run_ = std::move(run);
  for (auto& r : reporters_) r->begin(run_);
}

void ResultSink::starting(const std::string& operation) {
  operation_ = operation;
  if (json_) prepareLastWords(operation);
}

void ResultSink::prepareLastWords(const std::string& operation) {
  RunStatus status;
  status.state = "failed";
  status.operation = operation;
  status.message =
      "terminated during this operation (by the launcher after another rank failed, by a "
      "signal, or by the watchdog); the ranks' error messages name the cause";
  LastWords& w = lastWords();
  const int next = w.ready.load() == 0 ? 1 : 0;
  w.text[next] = json_->textWith(status);
  w.ready = next;
}

void ResultSink::add(const Measurement& oop, const Measurement& ip, bool have_oop, bool have_ip) {
  const Measurement* row_oop = have_oop ? &oop : nullptr;
  const Measurement* row_ip = have_ip ? &ip : nullptr;
  for (const Measurement* m : {row_oop, row_ip}) {
    if (m) measurements_.push_back(*m);
  }
  for (auto& r : reporters_) r->add(row_oop, row_ip);
  if (json_) prepareLastWords("after " + operation_);
}

void ResultSink::note(const std::string& line) {
  for (auto& r : reporters_) r->note(line);
}

void ResultSink::screen(const PairScreen& s) {
  for (auto& r : reporters_) r->screen(s);
}

void ResultSink::finish(const RunStatus& status, std::int64_t total_wrong) {
  lastWords().ready = -1;
  run_.status = status;
  for (auto& r : reporters_) r->finish(status, total_wrong);
}

}  // namespace collbench
