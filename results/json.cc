#include "results/json.h"

#include "results/model.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace collbench {

namespace {

nlohmann::json orNull(double v, bool known) {
  return known ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json toJson(const TimeStats& t) {
  return {{"min", t.min}, {"mean", t.mean}, {"p50", t.p50},        {"p95", t.p95},
          {"p99", t.p99}, {"max", t.max},   {"samples", t.samples}};
}

nlohmann::json toJson(const RankSkew& s) {
  nlohmann::json last = nullptr;
  if (s.last_arrival_rank >= 0) {
    last = {{"rank", s.last_arrival_rank},
            {"iterations", s.last_arrival_count},
            {"wait_us", s.last_arrival_wait_us}};
  }
  return {{"slowest_rank", s.slowest_rank}, {"slowest_mean_us", s.slowest_mean_us},
          {"fastest_rank", s.fastest_rank}, {"fastest_mean_us", s.fastest_mean_us},
          {"spread_us", s.spread_us()},     {"last_arrival", last}};
}

// What "best" chose and each candidate's calibration time; null for every other algorithm.
nlohmann::json choiceJson(const Measurement& m) {
  if (m.chosen_algorithm.empty()) return nullptr;
  nlohmann::json calibration = nlohmann::json::array();
  for (const auto& [algorithm, us] : m.calibration_us)
    calibration.push_back({{"algorithm", algorithm}, {"time_us", us}});
  return {{"algorithm", m.chosen_algorithm}, {"calibration", calibration}};
}

nlohmann::json rankOrNull(int rank) {
  return rank < 0 ? nlohmann::json(nullptr) : nlohmann::json(rank);
}

nlohmann::json toJson(const FailureReport& r) {
  return {{"rank", r.rank},
          {"host", r.host},
          {"waited_for", rankOrNull(r.waited_for)},
          {"connection_lost", r.connection_lost},
          {"waited_for_all", r.waited_for_all},
          {"operation", r.operation},
          {"message", r.message}};
}

nlohmann::json toJson(const RunStatus& s) {
  nlohmann::json j = {{"state", s.state},
                      {"failed_rank", rankOrNull(s.failed_rank)},
                      {"failed_host", s.failed_host},
                      {"operation", s.operation},
                      {"message", s.message}};
  if (!s.verdict.empty()) j["verdict"] = s.verdict;
  if (!s.reports.empty()) {
    j["reports"] = nlohmann::json::array();
    for (const auto& r : s.reports) j["reports"].push_back(toJson(r));
  }
  return j;
}

}  // namespace

nlohmann::json toJson(const Measurement& m) {
  nlohmann::json j = {
      {"collective", m.collective},
      {"algorithm", m.algorithm},
      {"transport", m.transport},
      {"ranks", m.ranks},
      {"hosts", m.hosts},
      {"bytes", m.bytes},
      {"count", m.count},
      {"dtype", m.dtype},
      {"op", m.op},
      {"root", m.root < 0 ? nlohmann::json(nullptr) : nlohmann::json(m.root)},
      {"in_place", m.in_place},
      {"iterations", m.iterations},
      {"warmup_iterations", m.warmup_iterations},
      {"time_us", toJson(m.time_us)},
      {"algbw_gbps", m.algbw_gbps},
      {"busbw_gbps", m.busbw_gbps},
      {"bus_factor", m.bus_factor},
      {"cost_form", m.cost_form},
      {"choice", choiceJson(m)},
      {"link_utilization", orNull(m.link_utilization, m.link_utilization >= 0)},
      {"skew", toJson(m.skew)},
  };
  j["wrong"] = m.wrong < 0 ? nlohmann::json(nullptr) : nlohmann::json(m.wrong);
  j["inter_host_bytes"] =
      m.inter_host_bytes < 0 ? nlohmann::json(nullptr) : nlohmann::json(m.inter_host_bytes);
  if (m.largest_host_ranks > 0) {
    j["host_ranks"] = {{"largest", m.largest_host_ranks}, {"smallest", m.smallest_host_ranks}};
  }
  if (!m.iteration_us.empty()) j["iteration_us"] = m.iteration_us;
  return j;
}

nlohmann::json stringOrNull(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

nlohmann::json toJson(const LaunchInfo& l) {
  return {{"launcher", l.launcher},
          {"slurm_job_id", stringOrNull(l.slurm_job_id)},
          {"slurm_step_id", stringOrNull(l.slurm_step_id)},
          {"slurm_nodelist", stringOrNull(l.slurm_nodelist)},
          {"bootstrap", l.bootstrap},
          {"bootstrap_detail", l.bootstrap_detail},
          {"startup_s", l.startup_s}};
}

nlohmann::json toJson(const RunInfo& run) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : run.hosts) hosts.push_back(toJson(h));
  return {
      {"command_line", run.command_line},
      {"version", run.version},
      {"git_revision", run.git_revision},
      {"start_time", run.start_time},
      {"label", run.label},
      {"transport", run.transport},
      {"transport_provider", run.transport_provider},
      {"link_gbps", orNull(run.link_gbps, run.link_gbps > 0)},
      {"link_source", run.link_source},
      {"memory_registration", {{"bytes", run.registered_bytes}, {"time_us", run.registration_us}}},
      {"ranks", run.ranks},
      {"launch", toJson(run.launch)},
      {"hosts", hosts},
      {"libraries", run.libraries},
      {"environment", run.environment},
      {"options", run.options},
      {"status", toJson(run.status)},
      {"notes", run.notes},
  };
}

namespace {

// A matrix with null where a pair was not measured.
nlohmann::json matrixJson(const std::vector<std::vector<double>>& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : m) {
    nlohmann::json r = nlohmann::json::array();
    for (double v : row) r.push_back(v < 0 ? nlohmann::json(nullptr) : nlohmann::json(v));
    rows.push_back(r);
  }
  return rows;
}

nlohmann::json toJson(const PairVerdict& v) {
  return {{"metric", v.metric},
          {"what", v.what},
          {"rank", v.rank},
          {"peer", v.peer < 0 ? nlohmann::json(nullptr) : nlohmann::json(v.peer)},
          {"measured", v.measured},
          {"median", v.median},
          {"agreeing", v.agreeing},
          {"partners", v.partners}};
}

nlohmann::json toJson(const std::vector<RowMedians>& rows) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : rows) {
    list.push_back({{"host", m.name},
                    {"latency_us", orNull(m.latency_us, m.latency_us >= 0)},
                    {"send_gbps", orNull(m.send_gbps, m.send_gbps >= 0)},
                    {"recv_gbps", orNull(m.recv_gbps, m.recv_gbps >= 0)}});
  }
  return list;
}

}  // namespace

nlohmann::json toJson(const HostInfo& h) {
  nlohmann::json nics = nlohmann::json::array();
  for (const auto& n : h.nics) {
    nics.push_back({{"name", n.name}, {"speed_gbps", orNull(n.speed_gbps, n.speed_gbps > 0)}});
  }
  return {{"name", h.name},
          {"ranks", h.ranks},
          {"rank_list", h.rank_list},
          {"cpu_model", h.cpu_model},
          {"cpus", h.cpus},
          {"nics", nics},
          {"gpus", h.gpus},
          {"gpu_links", h.gpu_links},
          {"rank_gpus", h.rank_gpus},
          {"rank_nics", h.rank_nics},
          {"tcp_congestion_control", h.tcp_congestion_control},
          {"tcp_wmem", h.tcp_wmem},
          {"tcp_rmem", h.tcp_rmem}};
}

nlohmann::json toJson(const PairScreen& s) {
  nlohmann::json verdicts = nlohmann::json::array();
  for (const auto& v : s.verdicts) verdicts.push_back(toJson(v));
  return {{"kind", s.kind},
          {"latency_bytes", s.latency_bytes},
          {"bandwidth_bytes", s.bandwidth_bytes},
          {"iterations", s.iterations},
          {"rounds", s.rounds},
          {"seconds", s.seconds},
          {"hosts", s.hosts},
          {"latency_us", matrixJson(s.latency_us)},
          {"bandwidth_gbps", matrixJson(s.bandwidth_gbps)},
          {"rule", {{"mads", s.rule.mads}, {"min_change", s.rule.min_change}}},
          {"verdicts", verdicts},
          {"rank_medians", toJson(rankMedians(s))},
          {"host_medians", toJson(hostMedians(s))}};
}

nlohmann::json resultDocument(const RunInfo& run, const std::vector<Measurement>& measurements,
                              const nlohmann::json& screen) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : measurements) list.push_back(toJson(m));
  nlohmann::json doc = {
      {"schema_version", kResultSchemaVersion}, {"run", toJson(run)}, {"measurements", list}};
  if (!screen.is_null()) doc["screen"] = screen;
  return doc;
}

void ResultText::add(const Measurement& m) {
  if (!measurements_.empty()) measurements_ += ",\n";
  measurements_ += "    " + toJson(m).dump();
}

std::string ResultText::text(const RunInfo& run) const {
  // Keys print sorted, so the empty array comes first: {"measurements": [], "run": ...}.
  std::string empty = resultDocument(run, {}, screen_).dump(2) + "\n";
  const std::string head = "{\n  \"measurements\": []";
  if (empty.compare(0, head.size(), head) != 0) {
    throw std::logic_error("result document does not start with its measurements");
  }
  if (measurements_.empty()) return empty;
  return "{\n  \"measurements\": [\n" + measurements_ + "\n  ]" + empty.substr(head.size());
}

void JsonFileReporter::begin(const RunInfo& run) {
  run_ = run;
  save();
}

void JsonFileReporter::screen(const PairScreen& s) {
  text_.setScreen(toJson(s));
  save();
}

void JsonFileReporter::add(const Measurement* oop, const Measurement* ip) {
  for (const Measurement* m : {oop, ip}) {
    if (m) text_.add(*m);
  }
  save();
}

void JsonFileReporter::note(const std::string& line) {
  run_.notes.push_back(line);
  save();
}

void JsonFileReporter::finish(const RunStatus& status, std::int64_t /*total_wrong*/) {
  run_.status = status;
  save();
}

std::string JsonFileReporter::textWith(const RunStatus& status) const {
  RunInfo run = run_;
  run.status = status;
  return text_.text(run);
}

void JsonFileReporter::save() const { writeFileAtomically(path_, text_.text(run_)); }

void writeJsonAtomically(const std::string& path, const nlohmann::json& doc) {
  writeFileAtomically(path, doc.dump(2) + "\n");
}

namespace {

// A cursor into the document that knows its own path, for messages such as
// "run.json: measurements[3].time_us.p50: expected a number, found string".
class Field {
 public:
  Field(const nlohmann::json& j, std::string path, const std::string& source)
      : j_(j), path_(std::move(path)), source_(source) {}

  Field operator[](const char* key) const {
    expect(j_.is_object(), "an object");
    auto it = j_.find(key);
    if (it == j_.end()) fail("missing field '" + std::string(key) + "'");
    return Field(*it, join(key), source_);
  }
  bool has(const char* key) const { return j_.is_object() && j_.contains(key); }
  Field at(std::size_t i) const {
    return Field(j_[i], path_ + "[" + std::to_string(i) + "]", source_);
  }
  std::size_t size() const {
    expect(j_.is_array(), "an array");
    return j_.size();
  }
  std::string str() const {
    expect(j_.is_string(), "a string");
    return j_.get<std::string>();
  }
  double number(double lo = -HUGE_VAL) const {
    expect(j_.is_number(), "a number");
    const double v = j_.get<double>();
    if (!std::isfinite(v) || v < lo) fail("value out of range");
    return v;
  }
  bool isNull() const { return j_.is_null(); }
  double numberOr(double fallback) const { return j_.is_null() ? fallback : number(); }
  std::int64_t integer(std::int64_t lo = 0) const {
    expect(j_.is_number_integer(), "an integer");
    const auto v = j_.get<std::int64_t>();
    if (v < lo) fail("value out of range");
    return v;
  }
  bool boolean() const {
    expect(j_.is_boolean(), "true or false");
    return j_.get<bool>();
  }
  std::map<std::string, std::string> strings() const {
    expect(j_.is_object(), "an object");
    std::map<std::string, std::string> out;
    for (auto& [k, v] : j_.items()) out[k] = Field(v, join(k.c_str()), source_).str();
    return out;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw ResultFormatError(source_ + ": " + (path_.empty() ? "top level" : path_) + ": " + what);
  }

 private:
  void expect(bool ok, const char* what) const {
    if (!ok) fail(std::string("expected ") + what + ", found " + j_.type_name());
  }
  std::string join(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  const nlohmann::json& j_;
  std::string path_;
  const std::string& source_;
};

TimeStats readStats(const Field& f) {
  TimeStats t;
  t.min = f["min"].number(0);
  t.mean = f["mean"].number(0);
  t.p50 = f["p50"].number(0);
  t.p95 = f["p95"].number(0);
  t.p99 = f["p99"].number(0);
  t.max = f["max"].number(0);
  t.samples = static_cast<std::size_t>(f["samples"].integer(1));
  return t;
}

void readChoice(const Field& f, Measurement& m) {
  m.chosen_algorithm = f["algorithm"].str();
  const Field calibration = f["calibration"];
  for (std::size_t i = 0; i < calibration.size(); ++i) {
    m.calibration_us.emplace_back(calibration.at(i)["algorithm"].str(),
                                  calibration.at(i)["time_us"].number(0));
  }
}

// One time per timed iteration, as many as time_us summarizes.
void readIterationTimes(const Field& f, Measurement& m) {
  for (std::size_t i = 0; i < f.size(); ++i) m.iteration_us.push_back(f.at(i).number(0));
  if (m.iteration_us.size() != m.time_us.samples) {
    f.fail("holds " + std::to_string(m.iteration_us.size()) + " times for " +
           std::to_string(m.time_us.samples) + " timed iterations (time_us.samples)");
  }
}

Measurement readMeasurement(const Field& f) {
  Measurement m;
  m.collective = f["collective"].str();
  m.algorithm = f["algorithm"].str();
  m.transport = f["transport"].str();
  m.ranks = static_cast<int>(f["ranks"].integer(1));
  m.bytes = static_cast<std::uint64_t>(f["bytes"].integer());
  m.count = static_cast<std::uint64_t>(f["count"].integer());
  m.dtype = f["dtype"].str();
  m.op = f["op"].str();
  m.in_place = f["in_place"].boolean();
  m.iterations = static_cast<int>(f["iterations"].integer(1));
  m.warmup_iterations = static_cast<int>(f["warmup_iterations"].integer());
  m.time_us = readStats(f["time_us"]);
  m.algbw_gbps = f["algbw_gbps"].number(0);
  m.busbw_gbps = f["busbw_gbps"].number(0);
  // Schema 3 records the factor; older files imply it by their two bandwidths.
  if (f.has("bus_factor")) {
    m.bus_factor = f["bus_factor"].number(0);
  } else if (m.algbw_gbps > 0) {
    m.bus_factor = m.busbw_gbps / m.algbw_gbps;
  }
  if (f.has("cost_form")) {
    m.cost_form = f["cost_form"].str();
    if (!m.cost_form.empty() && !formNamed(m.cost_form))
      f["cost_form"].fail("unknown cost form '" + m.cost_form + "' (known: " + formNames() + ")");
  }
  if (f.has("choice") && !f["choice"].isNull()) readChoice(f["choice"], m);
  if (f.has("root") && !f["root"].isNull()) m.root = static_cast<int>(f["root"].integer(0));
  if (m.collective == "allreduce") m.collective = "all_reduce";  // schema 1 and 2
  m.wrong = f["wrong"].isNull() ? -1 : f["wrong"].integer();
  if (f.has("link_utilization")) m.link_utilization = f["link_utilization"].numberOr(-1);
  if (f.has("hosts")) m.hosts = static_cast<int>(f["hosts"].integer(1));
  if (f.has("inter_host_bytes") && !f["inter_host_bytes"].isNull())
    m.inter_host_bytes = f["inter_host_bytes"].integer();
  if (f.has("host_ranks")) {
    m.largest_host_ranks = static_cast<int>(f["host_ranks"]["largest"].integer(1));
    m.smallest_host_ranks = static_cast<int>(f["host_ranks"]["smallest"].integer(1));
    if (m.smallest_host_ranks > m.largest_host_ranks)
      f["host_ranks"]["smallest"].fail("more ranks than on the largest host");
  }
  if (m.bytes > 0 && m.count == 0) f["count"].fail("zero elements in a non-empty message");
  if (f.has("iteration_us")) readIterationTimes(f["iteration_us"], m);
  if (f.has("skew")) {
    Field s = f["skew"];
    m.skew.slowest_rank = static_cast<int>(s["slowest_rank"].integer(-1));
    m.skew.slowest_mean_us = s["slowest_mean_us"].number(0);
    m.skew.fastest_rank = static_cast<int>(s["fastest_rank"].integer(-1));
    m.skew.fastest_mean_us = s["fastest_mean_us"].number(0);
    if (s.has("last_arrival") && !s["last_arrival"].isNull()) {
      Field last = s["last_arrival"];
      m.skew.last_arrival_rank = static_cast<int>(last["rank"].integer());
      m.skew.last_arrival_count = static_cast<int>(last["iterations"].integer());
      m.skew.last_arrival_wait_us = last["wait_us"].number();
    }
  }
  return m;
}

FailureReport readReport(const Field& f) {
  FailureReport r;
  r.rank = static_cast<int>(f["rank"].integer());
  r.host = f["host"].str();
  r.waited_for = f["waited_for"].isNull() ? -1 : static_cast<int>(f["waited_for"].integer());
  r.connection_lost = f["connection_lost"].boolean();
  if (f.has("waited_for_all")) r.waited_for_all = f["waited_for_all"].boolean();
  r.operation = f["operation"].str();
  r.message = f["message"].str();
  return r;
}

RunStatus readStatus(const Field& f) {
  RunStatus s;
  s.state = f["state"].str();
  s.message = f["message"].str();
  if (f.has("failed_rank") && !f["failed_rank"].isNull())
    s.failed_rank = static_cast<int>(f["failed_rank"].integer());
  if (f.has("failed_host")) s.failed_host = f["failed_host"].str();
  if (f.has("operation")) s.operation = f["operation"].str();
  if (f.has("verdict")) s.verdict = f["verdict"].str();
  if (f.has("reports")) {
    Field reports = f["reports"];
    for (std::size_t i = 0; i < reports.size(); ++i) s.reports.push_back(readReport(reports.at(i)));
  }
  return s;
}

std::string strOrEmpty(const Field& f, const char* key) {
  return f.has(key) && !f[key].isNull() ? f[key].str() : "";
}

std::vector<std::uint64_t> integersOrEmpty(const Field& f, const char* key) {
  std::vector<std::uint64_t> out;
  if (!f.has(key)) return out;
  const Field list = f[key];
  for (std::size_t i = 0; i < list.size(); ++i) {
    out.push_back(static_cast<std::uint64_t>(list.at(i).integer()));
  }
  return out;
}

std::vector<std::string> stringsOrEmpty(const Field& f, const char* key) {
  std::vector<std::string> out;
  if (!f.has(key)) return out;
  const Field list = f[key];
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(list.at(i).str());
  return out;
}

// Every field toJson(HostInfo) writes; those added over time are optional, for older files.
HostInfo readHost(const Field& f) {
  HostInfo h;
  h.name = f["name"].str();
  h.ranks = static_cast<int>(f["ranks"].integer(1));
  if (f.has("cpu_model")) h.cpu_model = f["cpu_model"].str();
  if (f.has("cpus")) h.cpus = static_cast<int>(f["cpus"].integer());
  if (f.has("nics")) {
    const Field nics = f["nics"];
    for (std::size_t i = 0; i < nics.size(); ++i) {
      h.nics.push_back({nics.at(i)["name"].str(), nics.at(i)["speed_gbps"].numberOr(0)});
    }
  }
  h.gpus = stringsOrEmpty(f, "gpus");
  h.gpu_links = stringsOrEmpty(f, "gpu_links");
  for (auto r : integersOrEmpty(f, "rank_list")) h.rank_list.push_back(static_cast<int>(r));
  h.rank_gpus = stringsOrEmpty(f, "rank_gpus");
  h.rank_nics = stringsOrEmpty(f, "rank_nics");
  h.tcp_congestion_control = strOrEmpty(f, "tcp_congestion_control");
  h.tcp_wmem = integersOrEmpty(f, "tcp_wmem");
  h.tcp_rmem = integersOrEmpty(f, "tcp_rmem");
  return h;
}

LaunchInfo readLaunch(const Field& f) {
  LaunchInfo l;
  l.launcher = f["launcher"].str();
  l.slurm_job_id = strOrEmpty(f, "slurm_job_id");
  l.slurm_step_id = strOrEmpty(f, "slurm_step_id");
  l.slurm_nodelist = strOrEmpty(f, "slurm_nodelist");
  l.bootstrap = strOrEmpty(f, "bootstrap");  // files before the env bootstrap have none
  l.bootstrap_detail = strOrEmpty(f, "bootstrap_detail");
  if (f.has("startup_s")) l.startup_s = f["startup_s"].number();
  return l;
}

RunInfo readRun(const Field& f) {
  RunInfo run;
  run.command_line = f["command_line"].str();
  run.version = f["version"].str();
  run.git_revision = f["git_revision"].str();
  run.start_time = f["start_time"].str();
  run.label = f["label"].str();
  run.transport = f["transport"].str();
  run.transport_provider = f["transport_provider"].str();
  run.link_gbps = f["link_gbps"].numberOr(0);
  if (f.has("link_source")) run.link_source = f["link_source"].str();
  run.ranks = static_cast<int>(f["ranks"].integer(1));
  if (f.has("launch")) run.launch = readLaunch(f["launch"]);
  Field hosts = f["hosts"];
  for (std::size_t i = 0; i < hosts.size(); ++i) run.hosts.push_back(readHost(hosts.at(i)));
  run.libraries = f["libraries"].strings();
  run.environment = f["environment"].strings();
  run.options = f["options"].strings();
  if (f.has("status")) run.status = readStatus(f["status"]);
  run.notes = stringsOrEmpty(f, "notes");
  return run;
}

}  // namespace

namespace {

std::vector<std::vector<double>> readMatrix(const Field& f, std::size_t n) {
  if (f.size() != n) f.fail("expected " + std::to_string(n) + " rows, one per rank");
  std::vector<std::vector<double>> m(n, std::vector<double>(n, -1));
  for (std::size_t i = 0; i < n; ++i) {
    const Field row = f.at(i);
    if (row.size() != n) row.fail("expected " + std::to_string(n) + " values, one per rank");
    for (std::size_t j = 0; j < n; ++j) m[i][j] = row.at(j).numberOr(-1);
  }
  return m;
}

PairVerdict readPairVerdict(const Field& f) {
  PairVerdict v;
  v.metric = f["metric"].str();
  v.what = f["what"].str();
  v.rank = static_cast<int>(f["rank"].integer());
  v.peer = f["peer"].isNull() ? -1 : static_cast<int>(f["peer"].integer());
  v.measured = f["measured"].number();
  v.median = f["median"].number();
  v.agreeing = static_cast<int>(f["agreeing"].integer());
  v.partners = static_cast<int>(f["partners"].integer());
  return v;
}

PairScreen readScreen(const Field& f) {
  PairScreen s;
  s.kind = f["kind"].str();
  s.latency_bytes = static_cast<std::uint64_t>(f["latency_bytes"].integer(1));
  s.bandwidth_bytes = static_cast<std::uint64_t>(f["bandwidth_bytes"].integer(1));
  s.iterations = static_cast<int>(f["iterations"].integer(1));
  s.rounds = static_cast<int>(f["rounds"].integer());
  s.seconds = f["seconds"].number(0);
  const Field hosts = f["hosts"];
  for (std::size_t i = 0; i < hosts.size(); ++i) s.hosts.push_back(hosts.at(i).str());
  s.latency_us = readMatrix(f["latency_us"], s.hosts.size());
  s.bandwidth_gbps = readMatrix(f["bandwidth_gbps"], s.hosts.size());
  s.rule.mads = f["rule"]["mads"].number(0);
  s.rule.min_change = f["rule"]["min_change"].number(0);
  const Field verdicts = f["verdicts"];
  for (std::size_t i = 0; i < verdicts.size(); ++i)
    s.verdicts.push_back(readPairVerdict(verdicts.at(i)));
  return s;
}

}  // namespace

namespace {

// Results of other tools are read by the report tool's importers, which also write them out
// as collbench result files.
std::string notOurs(const std::string& source, const std::string& what) {
  return source + ": " + what +
         "; results of nccl-tests, OSU or nccom-test convert to one with "
         "scripts/collbench-report --to-collbench OUT.json " +
         source;
}

}  // namespace

bool isResultDocument(const nlohmann::json& doc) {
  return doc.is_object() && doc.contains("schema_version");
}

ResultFile parseResultFile(const std::string& text, const std::string& source) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw ResultFormatError(notOurs(source, "not valid JSON"));
  return parseResultDocument(doc, source);
}

ResultFile parseResultDocument(const nlohmann::json& doc, const std::string& source) {
  if (!isResultDocument(doc)) {
    throw ResultFormatError(
        notOurs(source, "not a collbench result file (no 'schema_version' at its top level)"));
  }
  Field top(doc, "", source);
  const auto version = top["schema_version"].integer();
  if (version < 1 || version > kResultSchemaVersion) {
    top["schema_version"].fail("unsupported version " + std::to_string(version) +
                               " (this collbench reads 1 to " +
                               std::to_string(kResultSchemaVersion) + ")");
  }
  ResultFile file;
  file.run = readRun(top["run"]);
  Field list = top["measurements"];
  for (std::size_t i = 0; i < list.size(); ++i)
    file.measurements.push_back(readMeasurement(list.at(i)));
  if (top.has("screen")) file.screen = readScreen(top["screen"]);
  return file;
}

std::optional<std::string> readWholeFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ResultFile readResultFile(const std::string& path) {
  const auto text = readWholeFile(path);
  if (!text) throw ResultFormatError(path + ": cannot open");
  return parseResultFile(*text, path);
}

HostInfo hostFromJson(const nlohmann::json& j, const std::string& source) {
  return readHost(Field(j, "host", source));
}

}  // namespace collbench
