#include "results/model.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <tuple>
#include <utility>

namespace collbench {
namespace {

constexpr const char* kParamNames[4] = {"alpha_us", "beta_us_per_byte", "alpha_intra_us",
                                        "beta_intra_us_per_byte"};

double ceilLog2(int n) {
  int d = 0;
  while ((1 << d) < n) ++d;
  return d;
}

// The coefficients of a and b of a form without levels, at n ranks and `bytes`.
std::array<double, 2> flatTerms(ModelForm form, int n, double bytes) {
  if (n <= 1) return {0, 0};
  switch (form) {
    case ModelForm::kTree:  // the busiest rank of the double binary tree sends c S
      return {2 * ceilLog2(n), (n == 2 ? 1 : n == 3 ? 1.5 : 2) * bytes};
    case ModelForm::kLinear:
      return {n - 1.0, (n - 1.0) / n * bytes};
    case ModelForm::kChain:
      return {n - 1.0, bytes};
    case ModelForm::kBinaryTree:
      return {ceilLog2(n), (n >= 4 ? 2 : 1) * bytes};
    case ModelForm::kPair:
      return {1, bytes};
    case ModelForm::kRecursiveDoubling: {
      int log2p = 0;
      while ((2 << log2p) <= n) ++log2p;
      const double steps = log2p + ((1 << log2p) == n ? 0 : 2);
      return {steps, steps * bytes};
    }
    default:
      return {2.0 * (n - 1), 2.0 * (n - 1) / n * bytes};
  }
}

struct FormName {
  ModelForm form;
  const char* name;
};

// One form per line (clang-format would pack them in columns).
// clang-format off
constexpr FormName kForms[] = {
    {ModelForm::kRing, "ring"},
    {ModelForm::kTree, "tree"},
    {ModelForm::kHierRing, "hier"},
    {ModelForm::kHierTree, "hier-tree"},
    {ModelForm::kLinear, "linear"},
    {ModelForm::kAlltoall, "alltoall"},
    {ModelForm::kChain, "chain"},
    {ModelForm::kBinaryTree, "binary-tree"},
    {ModelForm::kPair, "pair"},
    {ModelForm::kRecursiveDoubling, "recursive-doubling"},
};
// clang-format on

using Row = std::array<double, 4>;

// Least squares on the columns in `use` (others held at 0): rows are already divided by the
// measured time, the target is 1 everywhere. Columns are scaled to 1 before the normal
// equations, whose entries otherwise span 15 orders of magnitude. Returns false if singular.
bool solveSubset(const std::vector<Row>& rows, const std::array<bool, 4>& use, CostParams& p) {
  std::vector<int> cols;
  for (int c = 0; c < 4; ++c) {
    if (use[c]) cols.push_back(c);
  }
  const std::size_t k = cols.size();
  std::vector<double> scale(k, 0);
  for (std::size_t j = 0; j < k; ++j) {
    for (const Row& r : rows) scale[j] = std::max(scale[j], std::abs(r[cols[j]]));
    if (scale[j] == 0) return false;
  }
  std::vector<std::vector<double>> m(k, std::vector<double>(k + 1, 0));
  for (const Row& r : rows) {
    for (std::size_t i = 0; i < k; ++i) {
      for (std::size_t j = 0; j < k; ++j) m[i][j] += r[cols[i]] / scale[i] * r[cols[j]] / scale[j];
      m[i][k] += r[cols[i]] / scale[i];
    }
  }
  for (std::size_t i = 0; i < k; ++i) {  // Gaussian elimination, partial pivoting
    std::size_t piv = i;
    for (std::size_t r = i + 1; r < k; ++r) {
      if (std::abs(m[r][i]) > std::abs(m[piv][i])) piv = r;
    }
    std::swap(m[i], m[piv]);
    if (std::abs(m[i][i]) < 1e-12) return false;
    for (std::size_t r = 0; r < k; ++r) {
      if (r == i) continue;
      const double f = m[r][i] / m[i][i];
      for (std::size_t c = i; c <= k; ++c) m[r][c] -= f * m[i][c];
    }
  }
  p = CostParams{};
  for (std::size_t j = 0; j < k; ++j) p[cols[j]] = m[j][k] / m[j][j] / scale[j];
  return true;
}

double relativeResidual(const std::vector<Row>& rows, const CostParams& p) {
  double ss = 0;
  for (const Row& r : rows) {
    double pred = 0;
    for (int c = 0; c < 4; ++c) pred += r[c] * p[c];
    ss += (pred - 1) * (pred - 1);
  }
  return ss;
}

// Non-negative least squares for at most 4 parameters: every subset of the identified
// columns, keeping the best solution whose parameters are all >= 0.
CostParams fitNonNegative(const std::vector<Row>& rows, const std::array<bool, 4>& identified) {
  CostParams best{};
  double best_ss = std::numeric_limits<double>::infinity();
  for (int mask = 1; mask < 16; ++mask) {
    std::array<bool, 4> use{};
    bool ok = true;
    for (int c = 0; c < 4; ++c) {
      use[c] = (mask >> c) & 1;
      if (use[c] && !identified[c]) ok = false;
    }
    CostParams p{};
    if (!ok || !solveSubset(rows, use, p)) continue;
    if (std::any_of(p.begin(), p.end(), [](double v) { return v < 0; })) continue;
    const double ss = relativeResidual(rows, p);
    if (ss < best_ss) best_ss = ss, best = p;
  }
  return best;
}

// best's measurements mix algorithms, and so cost forms, across sizes: fitted by none.
bool usable(const Measurement& m, const std::string& dtype, const std::string& op) {
  return m.chosen_algorithm.empty() && !m.in_place && m.wrong <= 0 && m.dtype == dtype &&
         (m.op == op || m.op == "none") && m.bytes > 0 && m.time_us.p50 > 0;
}

void scoreFit(CostModel& model, const std::vector<const Measurement*>& points) {
  double sum = 0, ss_tot = 0, ss_res = 0, rel2 = 0;
  for (const auto* m : points) sum += m->time_us.p50;
  const double mean = sum / static_cast<double>(points.size());
  std::vector<FitPoint> fitted;
  for (const auto* m : points) {
    const double t = m->time_us.p50;
    const double pred =
        predictMicroseconds(model, m->ranks, m->hosts, static_cast<double>(m->bytes), spreadOf(*m));
    fitted.push_back({m->ranks, m->hosts, m->bytes, t, pred});
    ss_tot += (t - mean) * (t - mean);
    ss_res += (pred - t) * (pred - t);
    rel2 += fitted.back().relError() * fitted.back().relError();
  }
  std::sort(fitted.begin(), fitted.end(), [](const FitPoint& x, const FitPoint& y) {
    return std::abs(x.relError()) > std::abs(y.relError());
  });
  FitQuality& q = model.fit;
  q.points = static_cast<int>(points.size());
  q.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
  q.rms_rel_error = std::sqrt(rel2 / static_cast<double>(points.size()));
  q.max_rel_error = std::abs(fitted.front().relError());
  q.rel_error_low = q.rel_error_high = fitted.front().relError();
  for (const FitPoint& f : fitted) {
    q.rel_error_low = std::min(q.rel_error_low, f.relError());
    q.rel_error_high = std::max(q.rel_error_high, f.relError());
  }
  fitted.resize(std::min<std::size_t>(fitted.size(), kWorstPointsKept));
  q.worst = fitted;
}

CostModel fitOne(const std::vector<const Measurement*>& points) {
  CostModel model;
  model.transport = points.front()->transport;
  model.collective = points.front()->collective;
  model.algorithm = points.front()->algorithm;
  model.form = formOf(*points.front());
  model.min_bytes = std::numeric_limits<std::uint64_t>::max();
  std::vector<Row> rows;
  for (const auto* m : points) {
    Row r = costTerms(model.form, m->ranks, m->hosts, static_cast<double>(m->bytes), spreadOf(*m));
    for (int c = 0; c < 4; ++c) {
      model.identified[c] = model.identified[c] || r[c] != 0;
      r[c] /= m->time_us.p50;
    }
    rows.push_back(r);
    if (std::find(model.ranks.begin(), model.ranks.end(), m->ranks) == model.ranks.end())
      model.ranks.push_back(m->ranks);
    model.min_bytes = std::min<std::uint64_t>(model.min_bytes, m->bytes);
    model.max_bytes = std::max<std::uint64_t>(model.max_bytes, m->bytes);
  }
  std::sort(model.ranks.begin(), model.ranks.end());
  model.params = fitNonNegative(rows, model.identified);
  scoreFit(model, points);
  return model;
}

}  // namespace

std::optional<ModelForm> formNamed(const std::string& name) {
  for (const FormName& f : kForms) {
    if (name == f.name) return f.form;
  }
  return std::nullopt;
}

const char* formName(ModelForm form) {
  for (const FormName& f : kForms) {
    if (form == f.form) return f.name;
  }
  return "ring";
}

std::string formNames() {
  std::string names;
  for (const FormName& f : kForms) names += (names.empty() ? "" : ", ") + std::string(f.name);
  return names;
}

ModelForm formOf(const Measurement& m) {
  if (const auto form = formNamed(m.cost_form)) return *form;
  if (m.collective == "pingpong") return ModelForm::kPair;
  const auto by_name = formNamed(m.algorithm);  // schema 1 and 2: all-reduce ring, tree, hier
  return by_name ? *by_name : ModelForm::kRing;
}

HostSpread spreadOf(const Measurement& m) { return {m.largest_host_ranks, m.smallest_host_ranks}; }

std::array<double, 4> costTerms(ModelForm form, int ranks, int hosts, double bytes,
                                HostSpread spread) {
  const bool levels =
      form == ModelForm::kHierRing || form == ModelForm::kHierTree || form == ModelForm::kAlltoall;
  if (!levels) {
    const auto t = flatTerms(form, ranks, bytes);
    return {t[0], t[1], 0, 0};
  }
  const int h = std::max(1, hosts);
  const int even = (ranks + h - 1) / h;
  const int largest = std::min(ranks, spread.largest > 0 ? spread.largest : even);
  const int smallest = spread.smallest > 0 ? spread.smallest : even;
  if (form == ModelForm::kAlltoall) {
    const double n = ranks, l = largest;
    return {n - l, l * (n - l) / n * bytes, l - 1, (l - 1) / n * bytes};
  }
  const auto inside = flatTerms(ModelForm::kRing, largest, bytes);
  const auto across = flatTerms(form == ModelForm::kHierTree ? ModelForm::kTree : ModelForm::kRing,
                                h, bytes / smallest);
  return {across[0], across[1], inside[0], inside[1]};
}

double predictMicroseconds(const CostModel& m, int ranks, int hosts, double bytes,
                           HostSpread spread) {
  const auto terms = costTerms(m.form, ranks, hosts, bytes, spread);
  double t = 0;
  for (int c = 0; c < 4; ++c) t += terms[c] * m.params[c];
  return t;
}

bool poorFit(const FitQuality& q) {
  return q.points > 0 && (q.r2 < kPoorFitR2 || q.rms_rel_error > kPoorFitRmsRelError);
}

std::array<double, 2> predictionSpread(const CostModel& m, double predicted_us) {
  if (m.fit.points == 0) return {predicted_us, predicted_us};
  // measured = predicted / (1 + relative error); an error of -100% would mean no time at all.
  const auto measured = [&](double rel) { return predicted_us / std::max(1 + rel, 1e-3); };
  return {measured(m.fit.rel_error_high), measured(m.fit.rel_error_low)};
}

std::string Extrapolation::describe() const {
  if (ranks && bytes) return "ranks,bytes";
  return ranks ? "ranks" : bytes ? "bytes" : "-";
}

Extrapolation extrapolation(const CostModel& m, int ranks, std::uint64_t bytes) {
  Extrapolation e;
  if (m.ranks.empty()) return e;
  e.ranks = ranks < m.ranks.front() || ranks > m.ranks.back();
  e.bytes = bytes < m.min_bytes || bytes > m.max_bytes;
  return e;
}

std::uint64_t tokenBucketBytes(const RunInfo& run) {
  const auto it = run.environment.find("COLLBENCH_LINK_EMULATION");
  if (it == run.environment.end()) return 0;
  const auto at = it->second.find("burst=");
  if (it->second.rfind("tbf ", 0) != 0 || at == std::string::npos) return 0;
  return std::strtoull(it->second.c_str() + at + 6, nullptr, 10);
}

double bytesAcrossHosts(const Measurement& m) {
  if (m.hosts <= 1) return 0;
  return costTerms(formOf(m), m.ranks, m.hosts, static_cast<double>(m.bytes), spreadOf(m))[1];
}

std::vector<CostModel> fitModels(const std::vector<Measurement>& measurements,
                                 const std::string& dtype, const std::string& op) {
  using Key = std::tuple<std::string, std::string, std::string>;
  std::vector<Key> keys;
  std::vector<std::vector<const Measurement*>> groups;
  for (const auto& m : measurements) {
    if (!usable(m, dtype, op)) continue;
    const Key key{m.transport, m.collective, m.algorithm};
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) it = keys.insert(keys.end(), key), groups.emplace_back();
    groups[static_cast<std::size_t>(it - keys.begin())].push_back(&m);
  }
  std::vector<CostModel> models;
  for (const auto& group : groups) {
    CostModel model = fitOne(group);
    const auto params = std::count(model.identified.begin(), model.identified.end(), true);
    if (model.fit.points >= params) models.push_back(std::move(model));
  }
  return models;
}

CostModel fabricModel(const std::string& collective, const std::string& algorithm, ModelForm form,
                      const FabricProfile& fabric) {
  CostModel m;
  m.transport = "fabric";
  m.collective = collective;
  m.algorithm = algorithm;
  m.form = form;
  // us per byte at link_gbps 10^9 bit/s, of which large calls reach `efficiency`
  const double beta = 8.0 / (fabric.link_gbps * 1000.0 * fabric.efficiency);
  m.params = {fabric.latency_us, beta, fabric.latency_us, beta};
  m.identified = {true, true, true, true};
  return m;
}

double crossoverBytes(const CostModel& x, const CostModel& y, int ranks, int hosts) {
  const double x0 = predictMicroseconds(x, ranks, hosts, 0),
               y0 = predictMicroseconds(y, ranks, hosts, 0);
  const double xs = predictMicroseconds(x, ranks, hosts, 1) - x0;
  const double ys = predictMicroseconds(y, ranks, hosts, 1) - y0;
  if (xs == ys) return -1;
  const double s = (y0 - x0) / (xs - ys);
  return s > 0 ? s : -1;
}

namespace {

nlohmann::json fitDocument(const FitQuality& q) {
  nlohmann::json worst = nlohmann::json::array();
  for (const FitPoint& p : q.worst) {
    worst.push_back({{"ranks", p.ranks},
                     {"hosts", p.hosts},
                     {"bytes", p.bytes},
                     {"measured_us", p.measured_us},
                     {"predicted_us", p.predicted_us}});
  }
  return {{"points", q.points},
          {"r2", q.r2},
          {"rms_rel_error", q.rms_rel_error},
          {"max_rel_error", q.max_rel_error},
          {"rel_error_low", q.rel_error_low},
          {"rel_error_high", q.rel_error_high},
          {"worst", worst}};
}

}  // namespace

nlohmann::json modelDocument(const std::vector<CostModel>& models,
                             const std::vector<std::string>& sources) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : models) {
    nlohmann::json params = nlohmann::json::object();
    for (int c = 0; c < 4; ++c)
      params[kParamNames[c]] = m.identified[c] ? nlohmann::json(m.params[c]) : nlohmann::json();
    list.push_back({{"transport", m.transport},
                    {"collective", m.collective},
                    {"algorithm", m.algorithm},
                    {"form", formName(m.form)},
                    {"params", params},
                    {"fit", fitDocument(m.fit)},
                    {"ranks", m.ranks},
                    {"min_bytes", m.min_bytes},
                    {"max_bytes", m.max_bytes}});
  }
  return {{"model_version", 1}, {"time_statistic", "p50"}, {"sources", sources}, {"models", list}};
}

namespace {

[[noreturn]] void bad(const std::string& source, const std::string& where, const std::string& why) {
  throw ModelFormatError(source + ": " + where + ": " + why);
}

double numberAt(const nlohmann::json& j, const char* key, const std::string& source,
                const std::string& where) {
  if (!j.contains(key) || !j[key].is_number()) bad(source, where + "." + key, "expected a number");
  return j[key].get<double>();
}

// What the model was fitted on: its rank counts and sizes (absent in a hand-written model).
void parseRange(const nlohmann::json& j, const std::string& source, const std::string& where,
                CostModel& m) {
  if (!j.contains("ranks")) return;
  if (!j["ranks"].is_array()) bad(source, where + ".ranks", "expected an array of rank counts");
  for (const auto& r : j["ranks"]) {
    if (!r.is_number_integer() || r.get<int>() < 1)
      bad(source, where + ".ranks", "expected rank counts >= 1");
    m.ranks.push_back(r.get<int>());
  }
  std::sort(m.ranks.begin(), m.ranks.end());
  m.min_bytes = static_cast<std::uint64_t>(numberAt(j, "min_bytes", source, where));
  m.max_bytes = static_cast<std::uint64_t>(numberAt(j, "max_bytes", source, where));
}

// The fit's quality: points, R^2 and the relative errors (the worst points are not needed to
// predict, and are not read back).
void parseFit(const nlohmann::json& j, const std::string& source, const std::string& where,
              FitQuality& q) {
  if (!j.is_object()) bad(source, where, "expected an object");
  q.points = static_cast<int>(numberAt(j, "points", source, where));
  q.r2 = numberAt(j, "r2", source, where);
  q.rms_rel_error = numberAt(j, "rms_rel_error", source, where);
  q.max_rel_error = numberAt(j, "max_rel_error", source, where);
  if (j.contains("rel_error_low")) {  // files before the spread: symmetric
    q.rel_error_low = numberAt(j, "rel_error_low", source, where);
    q.rel_error_high = numberAt(j, "rel_error_high", source, where);
  } else {
    q.rel_error_low = -q.max_rel_error, q.rel_error_high = q.max_rel_error;
  }
}

CostModel parseModel(const nlohmann::json& j, const std::string& source, const std::string& where) {
  CostModel m;
  for (const char* key : {"transport", "algorithm", "form"}) {
    if (!j.contains(key) || !j[key].is_string())
      bad(source, where + "." + key, "expected a string");
  }
  m.transport = j["transport"].get<std::string>();
  m.algorithm = j["algorithm"].get<std::string>();
  if (j.contains("collective")) {  // files before the collective family: all-reduce
    if (!j["collective"].is_string()) bad(source, where + ".collective", "expected a string");
    m.collective = j["collective"].get<std::string>();
  }
  const auto form = formNamed(j["form"].get<std::string>());
  if (!form) {
    bad(source, where + ".form",
        "unknown form '" + j["form"].get<std::string>() + "' (known: " + formNames() + ")");
  }
  m.form = *form;
  if (!j.contains("params") || !j["params"].is_object())
    bad(source, where + ".params", "expected an object");
  for (int c = 0; c < 4; ++c) {
    const auto& v = j["params"].value(kParamNames[c], nlohmann::json());
    if (v.is_null()) continue;
    if (!v.is_number() || v.get<double>() < 0)
      bad(source, where + ".params." + kParamNames[c], "expected a number >= 0 or null");
    m.params[c] = v.get<double>();
    m.identified[c] = true;
  }
  parseRange(j, source, where, m);
  if (j.contains("fit")) parseFit(j["fit"], source, where + ".fit", m.fit);
  return m;
}

}  // namespace

std::vector<CostModel> parseModelDocument(const std::string& text, const std::string& source) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) bad(source, "file", "not JSON");
  if (!doc.is_object() || doc.value("model_version", 0) != 1)
    bad(source, "model_version", "expected 1 (a file written by collbench model fit)");
  if (!doc.contains("models") || !doc["models"].is_array())
    bad(source, "models", "expected an array");
  std::vector<CostModel> models;
  for (std::size_t i = 0; i < doc["models"].size(); ++i) {
    const std::string where = "models[" + std::to_string(i) + "]";
    if (!doc["models"][i].is_object()) bad(source, where, "expected an object");
    models.push_back(parseModel(doc["models"][i], source, where));
  }
  return models;
}

std::vector<CostModel> parseModelFile(const std::string& text, const std::string& source) {
  try {
    return parseModelDocument(text, source);
  } catch (const nlohmann::json::exception& e) {
    throw ModelFormatError(source + ": " + e.what());
  }
}

}  // namespace collbench
