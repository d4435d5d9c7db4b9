#include "harness/result_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>

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

ResultSink::ResultSink(std::ostream* console, SinkPaths paths)
    : console_(console), paths_(std::move(paths)) {
  if (console_) table_ = std::make_unique<ConsoleReporter>(*console_);
  if (paths_.json.empty()) return;
  lastWords().path = paths_.json;
  lastWords().tmp_path = paths_.json + ".tmp";
  std::signal(SIGTERM, onTerminate);
  std::signal(SIGINT, onTerminate);
}

ResultSink::~ResultSink() {
  if (paths_.json.empty()) return;
  lastWords().ready = -1;
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
}

void ResultSink::begin(RunInfo run) {
  run_ = std::move(run);
  if (table_) table_->header(run_);
  save();
}

void ResultSink::starting(const std::string& operation) {
  operation_ = operation;
  if (!paths_.json.empty()) prepareLastWords(operation);
}

void ResultSink::prepareLastWords(const std::string& operation) {
  RunInfo run = run_;
  run.status.state = "failed";
  run.status.operation = operation;
  run.status.message =
      "terminated during this operation (by the launcher after another rank failed, by a "
      "signal, or by the watchdog); the ranks' error messages name the cause";
  LastWords& w = lastWords();
  const int next = w.ready.load() == 0 ? 1 : 0;
  w.text[next] = json_.text(run);
  w.ready = next;
}

void ResultSink::add(const Measurement& oop, const Measurement& ip, bool have_oop, bool have_ip) {
  for (const Measurement* m : {have_oop ? &oop : nullptr, have_ip ? &ip : nullptr}) {
    if (!m) continue;
    measurements_.push_back(*m);
    json_.add(*m);
    csv_ += csvRow(run_.label, *m);
  }
  if (table_) table_->row(have_oop ? &oop : nullptr, have_ip ? &ip : nullptr);
  save();
  if (!paths_.json.empty()) prepareLastWords("after " + operation_);
}

void ResultSink::note(const std::string& line) {
  if (console_) *console_ << "# " << line << std::endl;
}

void ResultSink::finish(const RunStatus& status, std::int64_t total_wrong) {
  lastWords().ready = -1;
  run_.status = status;
  save();
  if (table_ && status.state == "complete") table_->footer(total_wrong);
}

void ResultSink::save() {
  if (!paths_.json.empty()) writeFileAtomically(paths_.json, json_.text(run_));
  if (!paths_.csv.empty()) writeFileAtomically(paths_.csv, csvHeader() + csv_);
}

}  // namespace collbench
