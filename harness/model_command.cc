#include "harness/model_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "collectives/api/collective.h"
#include "collectives/registry.h"
#include "harness/exit_status.h"
#include "harness/model_inputs.h"
#include "harness/options.h"
#include "harness/subcommand.h"
#include "results/fabrics.h"
#include "results/json.h"
#include "results/model.h"

namespace collbench {
namespace {

std::string fixed(double v, int precision) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", precision, v);
  return text;
}

std::string orDash(const CostModel& m, int c, double scale, int precision) {
  return m.identified[c] ? fixed(m.params[c] * scale, precision) : "-";
}

// a in us, b as the bandwidth it stands for (GB/s = 10^9 bytes/s).
std::string bandwidth(const CostModel& m, int c) {
  if (!m.identified[c] || m.params[c] <= 0) return "-";
  return fixed(1e-3 / m.params[c], 3);
}

void printModels(const std::vector<CostModel>& models) {
  std::cout << "#transport  collective      algorithm    form         alpha_us  beta_GB/s  "
               "alpha_intra_us  beta_intra_GB/s  points     r2  rms_rel  max_rel  ranks\n";
  for (const auto& m : models) {
    std::string ranks;
    for (int r : m.ranks) ranks += (ranks.empty() ? "" : ",") + std::to_string(r);
    std::printf(" %-10s  %-14s  %-11s  %-11s  %8s  %9s  %14s  %15s  %6d  %5.3f  %7.3f  %7.3f  %s\n",
                m.transport.c_str(), m.collective.c_str(), m.algorithm.c_str(), formName(m.form),
                orDash(m, 0, 1, 2).c_str(), bandwidth(m, 1).c_str(), orDash(m, 2, 1, 2).c_str(),
                bandwidth(m, 3).c_str(), m.fit.points, m.fit.r2, m.fit.rms_rel_error,
                m.fit.max_rel_error, ranks.c_str());
  }
}

std::vector<std::uint64_t> parseBytes(const std::string& list, const std::string& flag) {
  std::vector<std::uint64_t> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      out.push_back(parseSize(item));
    } catch (const std::invalid_argument& e) {
      throw UsageError(flag + ": " + e.what());
    }
  }
  if (out.empty()) throw UsageError(flag + ": empty list");
  return out;
}

std::string signedPercent(double rel) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.0f%%", rel * 100);
  return text;
}

// A fit that is not to be trusted says so on stderr, with the points it misses most.
void warnPoorFits(const std::vector<CostModel>& models) {
  for (const auto& m : models) {
    if (!poorFit(m.fit)) continue;
    std::cerr << "collbench model fit: warning: " << m.transport << " " << m.collective << " "
              << m.algorithm << " fits poorly (R^2 " << fixed(m.fit.r2, 3)
              << ", RMS relative error " << fixed(m.fit.rms_rel_error * 100, 0)
              << "%; trusted: R^2 >= " << kPoorFitR2
              << " and <= " << fixed(kPoorFitRmsRelError * 100, 0) << "%); worst points:";
    for (const FitPoint& p : m.fit.worst) {
      std::cerr << "\n  " << p.ranks << " ranks on " << p.hosts << " hosts, " << p.bytes
                << " B: measured " << fixed(p.measured_us, 1) << " us, model "
                << fixed(p.predicted_us, 1) << " us (" << signedPercent(p.relError()) << ")";
    }
    std::cerr << "\n";
  }
}

// One line per (collective, algorithm, ranks) whose calls the fit left out because they rode
// an emulated link's token bucket, with their sizes.
void noteBelowBucket(const std::vector<const ModelInput*>& below) {
  if (below.empty()) return;
  std::cout << "# left out of the fit: calls that moved less than the emulated link's token "
               "bucket per rank across hosts (tc tbf burst "
            << below.front()->bucket_bytes << " B), which cross at the host's speed:\n";
  std::vector<std::string> lines;
  for (const auto* in : below) {
    const Measurement& m = in->m;
    const std::string key = "#   " + m.transport + " " + m.collective + " " + m.algorithm + " " +
                            std::to_string(m.ranks) + " ranks: ";
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const std::string& l) { return l.rfind(key, 0) == 0; });
    if (it == lines.end()) {
      lines.push_back(key + std::to_string(m.bytes));
    } else {
      *it += "," + std::to_string(m.bytes);
    }
  }
  for (const auto& l : lines) std::cout << l << " B\n";
}

struct FitArgs {
  std::vector<std::string> files;
  std::string out, dtype = "float32", op = "sum", ranks, min_bytes;
  ImportOptions import;
};

bool wanted(const std::vector<int>& ranks, const Measurement& m, std::uint64_t min_bytes) {
  const bool rank_ok =
      ranks.empty() || std::find(ranks.begin(), ranks.end(), m.ranks) != ranks.end();
  return rank_ok && m.bytes >= min_bytes && !m.in_place;
}

int fit(const FitArgs& a) {
  const auto inputs = readModelInputs(a.files, a.import);
  const auto ranks = a.ranks.empty() ? std::vector<int>{} : rankCounts(a.ranks, 1 << 24);
  const std::uint64_t min_bytes =
      a.min_bytes.empty() ? 0 : parseBytes(a.min_bytes, "--min-bytes").front();
  std::vector<Measurement> kept;
  std::vector<const ModelInput*> below;
  for (const auto& in : inputs) {
    if (!wanted(ranks, in.m, min_bytes)) continue;
    if (in.below_bucket) {
      below.push_back(&in);
    } else {
      kept.push_back(in.m);
    }
  }
  const auto models = fitModels(kept, a.dtype, a.op);
  if (models.empty()) {
    std::cerr << "collbench model fit: error: no out-of-place, correct " << a.dtype << " " << a.op
              << " measurements to fit in the given files\n";
    return kExitUsage;
  }
  printModels(models);
  noteBelowBucket(below);
  warnPoorFits(models);
  if (!a.out.empty()) writeJsonAtomically(a.out, modelDocument(models, a.files));
  return kExitOk;
}

const CostModel* findModel(const std::vector<CostModel>& models, const std::string& collective,
                           const std::string& algo) {
  for (const auto& m : models) {
    if (m.collective == collective && m.algorithm == algo) return &m;
  }
  return nullptr;
}

struct PredictArgs {
  std::string model_path, fabric, ranks = "2,4,8,16", bytes = "8,1K,64K,1M,16M,256M";
  std::string collective = "all_reduce";
  std::string algos = "ring,tree";
  int ranks_per_host = 0;  // 0: every rank on one host
  std::string json_out;
};

std::vector<CostModel> loadModels(const std::string& path) {
  const auto text = readWholeFile(path);
  if (!text) throw ModelFormatError(path + ": cannot read the file");
  return parseModelFile(*text, path);
}

// The cost form of one of our algorithms (or a vendor baseline), as the algorithm declares it.
ModelForm fabricForm(const std::string& collective, const std::string& algo) {
  const auto algorithm = makeAlgorithm(collective, algo);
  if (!algorithm) {
    throw UsageError("--algo: unknown " + collective + " algorithm '" + algo +
                     "'; available: " + algorithmNames(collective));
  }
  if (const auto among = algorithm->candidates(); !among.empty()) {
    std::string names;
    for (const auto& name : among) names += (names.empty() ? "" : ",") + name;
    throw UsageError("--algo " + algo + ": it picks the fastest of " + names +
                     " per size, so it has no cost model of its own; predict those (--algo " +
                     names + ") and read the crossovers");
  }
  const std::string form = algorithm->costForm();
  const auto named = formNamed(form);
  if (!named) throw std::logic_error(collective + " " + algo + ": unknown cost form " + form);
  return *named;
}

// The models predict() uses, one per algorithm asked for, in the order asked.
std::vector<CostModel> modelsFor(const PredictArgs& a, const std::vector<std::string>& algos) {
  std::vector<CostModel> chosen;
  const std::vector<CostModel> loaded =
      a.model_path.empty() ? std::vector<CostModel>{} : loadModels(a.model_path);
  const FabricProfile* fabric = a.fabric.empty() ? nullptr : findFabric(a.fabric);
  if (!a.fabric.empty() && !fabric)
    throw UsageError("--fabric: unknown fabric '" + a.fabric + "'; available: " + fabricNames());
  for (const auto& algo : algos) {
    if (fabric) {
      chosen.push_back(fabricModel(a.collective, algo, fabricForm(a.collective, algo), *fabric));
      continue;
    }
    const CostModel* m = findModel(loaded, a.collective, algo);
    if (!m) {
      throw UsageError("--algo: " + a.model_path + " has no model of " + a.collective + " '" +
                       algo + "'");
    }
    chosen.push_back(*m);
  }
  return chosen;
}

std::vector<std::string> splitNames(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  if (out.empty()) throw UsageError("--algo: empty list");
  return out;
}

struct Crossover {
  int ranks = 0, hosts = 0;
  std::string small, large;  // faster below, faster above
  double bytes = -1;         // -1: `small` is faster at every size (or they tie everywhere)
  bool tie = false;
};

std::vector<Crossover> crossovers(const std::vector<CostModel>& models, int n, int hosts) {
  std::vector<Crossover> out;
  for (std::size_t i = 0; i < models.size(); ++i) {
    for (std::size_t j = i + 1; j < models.size(); ++j) {
      const CostModel& x = models[i];
      const CostModel& y = models[j];
      const bool x_first =
          predictMicroseconds(x, n, hosts, 0) <= predictMicroseconds(y, n, hosts, 0);
      Crossover c{n,
                  hosts,
                  x_first ? x.algorithm : y.algorithm,
                  x_first ? y.algorithm : x.algorithm,
                  crossoverBytes(x, y, n, hosts),
                  false};
      c.tie =
          c.bytes < 0 && predictMicroseconds(x, n, hosts, 1) == predictMicroseconds(y, n, hosts, 1);
      out.push_back(c);
    }
  }
  return out;
}

void printCrossover(const Crossover& c) {
  std::cout << "# ranks " << c.ranks << ": ";
  if (c.tie) {
    std::cout << c.small << " and " << c.large << " cost the same at every size\n";
  } else if (c.bytes < 0) {
    std::cout << c.small << " is faster than " << c.large << " at every size\n";
  } else {
    std::cout << "crossover " << c.small << "/" << c.large << " at "
              << static_cast<std::uint64_t>(c.bytes) << " bytes (" << c.small << " faster below)\n";
  }
}

struct Prediction {
  const CostModel* model;
  int ranks, hosts;
  std::uint64_t bytes;
  double time_us, algbw;
  std::array<double, 2> spread;
  Extrapolation beyond;
};

nlohmann::json predictionDocument(const PredictArgs& a, const CollectiveDescriptor& coll,
                                  const std::vector<Prediction>& rows,
                                  const std::vector<Crossover>& xs) {
  nlohmann::json list = nlohmann::json::array(), cross = nlohmann::json::array();
  for (const auto& p : rows) {
    list.push_back({{"algorithm", p.model->algorithm},
                    {"form", formName(p.model->form)},
                    {"ranks", p.ranks},
                    {"hosts", p.hosts},
                    {"bytes", p.bytes},
                    {"time_us", p.time_us},
                    {"time_us_low", p.spread[0]},
                    {"time_us_high", p.spread[1]},
                    {"algbw_gbps", p.algbw},
                    {"busbw_gbps", p.algbw * coll.busFactor(p.ranks)},
                    {"extrapolated", {{"ranks", p.beyond.ranks}, {"bytes", p.beyond.bytes}}}});
  }
  for (const auto& c : xs) {
    cross.push_back({{"ranks", c.ranks},
                     {"hosts", c.hosts},
                     {"faster_below", c.small},
                     {"faster_above", c.large},
                     {"bytes", c.bytes < 0 ? nlohmann::json() : nlohmann::json(c.bytes)}});
  }
  const nlohmann::json source = a.fabric.empty() ? nlohmann::json{{"model_file", a.model_path}}
                                                 : nlohmann::json{{"fabric", a.fabric}};
  return {{"prediction_version", 1}, {"source", source},
          {"collective", coll.name}, {"bus_factor", coll.bus_factor_formula},
          {"time_statistic", "p50"}, {"predictions", list},
          {"crossovers", cross}};
}

Prediction predictOne(const CostModel& m, int n, int hosts, std::uint64_t s) {
  const double t = predictMicroseconds(m, n, hosts, static_cast<double>(s));
  return {&m,
          n,
          hosts,
          s,
          t,
          t > 0 ? static_cast<double>(s) / t / 1e3 : 0,
          predictionSpread(m, t),
          extrapolation(m, n, s)};
}

int predict(PredictArgs a) {
  try {
    a.collective = describeCollective(a.collective).name;
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--collective: ") + e.what());
  }
  const CollectiveDescriptor& coll = describeCollective(a.collective);
  const auto models = modelsFor(a, splitNames(a.algos));
  const auto sizes = parseBytes(a.bytes, "--bytes");
  std::vector<Prediction> rows;
  std::vector<Crossover> xs;
  std::cout << "# " << coll.name << ": busbw = algbw * its factor (" << coll.bus_factor_formula
            << "); low_us and high_us: the times the fit's residuals allow\n";
  std::cout << "#algo        ranks  hosts          bytes      time_us   algbw_GB/s   busbw_GB/s"
               "       low_us      high_us  extrapolated\n";
  for (int n : rankCounts(a.ranks, 1 << 24)) {
    const int hosts = a.ranks_per_host > 0 ? (n + a.ranks_per_host - 1) / a.ranks_per_host : 1;
    for (const auto& m : models) {
      for (std::uint64_t s : sizes) {
        const Prediction p = predictOne(m, n, hosts, s);
        std::printf(" %-10s  %6d  %5d  %13llu  %11.2f  %11.3f  %11.3f  %11.2f  %11.2f  %s\n",
                    m.algorithm.c_str(), n, hosts, static_cast<unsigned long long>(s), p.time_us,
                    p.algbw, p.algbw * coll.busFactor(n), p.spread[0], p.spread[1],
                    p.beyond.describe().c_str());
        rows.push_back(p);
      }
    }
    for (const auto& c : crossovers(models, n, hosts)) printCrossover(c), xs.push_back(c);
  }
  if (!a.json_out.empty()) writeJsonAtomically(a.json_out, predictionDocument(a, coll, rows, xs));
  return kExitOk;
}

struct CompareTally {
  double fitted = 0, extrapolated = 0;
  int below_bucket = 0;
};

// Predicted against measured for every out-of-place measurement a model covers; points beyond
// the fitted ranks or sizes are marked, and calls that rode an emulated link's token bucket are
// shown but not counted.
int compare(const std::string& model_path, const std::vector<std::string>& files,
            const ImportOptions& import) {
  const std::vector<CostModel> models = loadModels(model_path);
  std::cout << "#collective      algo        ranks  hosts          bytes  measured_us  "
               "predicted_us   error  range\n";
  CompareTally worst;
  for (const auto& in : readModelInputs(files, import)) {
    const Measurement& m = in.m;
    const CostModel* model = findModel(models, m.collective, m.algorithm);
    if (!model || m.in_place || m.bytes == 0) continue;
    const double pred =
        predictMicroseconds(*model, m.ranks, m.hosts, static_cast<double>(m.bytes), spreadOf(m));
    const double err = (pred - m.time_us.p50) / m.time_us.p50;
    const Extrapolation beyond = extrapolation(*model, m.ranks, m.bytes);
    std::string range = beyond.any() ? "extrapolated:" + beyond.describe() : "fitted";
    if (in.below_bucket) {
      range = "below-bucket";
      ++worst.below_bucket;
    } else {
      double& w = beyond.any() ? worst.extrapolated : worst.fitted;
      w = std::max(w, std::abs(err));
    }
    std::printf(" %-15s  %-10s  %6d  %5d  %13llu  %11.2f  %12.2f  %+6.1f%%  %s\n",
                m.collective.c_str(), m.algorithm.c_str(), m.ranks, m.hosts,
                static_cast<unsigned long long>(m.bytes), m.time_us.p50, pred, err * 100,
                range.c_str());
  }
  std::printf("# largest error %.1f%% within the fitted ranks and sizes, %.1f%% extrapolated\n",
              worst.fitted * 100, worst.extrapolated * 100);
  if (worst.below_bucket > 0) {
    std::printf(
        "# %d calls below the emulated link's token bucket not counted (no link model "
        "describes them)\n",
        worst.below_bucket);
  }
  return kExitOk;
}

// A flag or file the user gave is wrong (exit 2), as opposed to a failure while running.
bool isBadInput(const std::exception& e) {
  return dynamic_cast<const UsageError*>(&e) || dynamic_cast<const ResultFormatError*>(&e) ||
         dynamic_cast<const ModelFormatError*>(&e);
}

}  // namespace

int runModelCommand(int argc, char** argv) {
  CLI::App app{"collbench model: fit alpha-beta cost models to result files and predict"};
  app.require_subcommand(1);
  FitArgs fa;
  auto* fit_cmd =
      app.add_subcommand("fit", "Fit one model per transport, collective and algorithm");
  fit_cmd
      ->add_option("results", fa.files,
                   "Result files: collbench -J, nccl-tests (text or JSON), OSU, nccom-test")
      ->required();
  fit_cmd->add_option("-o,--output", fa.out, "Write the models to this JSON file");
  fit_cmd->add_option("--dtype", fa.dtype, "Data type of the measurements to fit");
  fit_cmd->add_option("--op", fa.op, "Reduction of the measurements to fit");
  fit_cmd->add_option("--ranks", fa.ranks, "Fit only these rank counts (e.g. 2,4)");
  fit_cmd->add_option("--min-bytes", fa.min_bytes, "Leave out sizes below this (K/M/G = 1024^n)");
  fit_cmd->add_option("--osu-ranks", fa.import.osu_ranks, "Rank count of OSU results")
      ->check(CLI::Range(1, 1 << 24));
  PredictArgs pa;
  auto* predict_cmd = app.add_subcommand("predict", "Predict time and busbw from a model");
  auto* source = predict_cmd->add_option_group("source")->require_option(1);
  source->add_option("--model", pa.model_path, "Model file from `collbench model fit`");
  source->add_option("--fabric", pa.fabric, "Built-in fabric profile (--list-fabrics)");
  predict_cmd->add_option("--ranks", pa.ranks, "Rank counts (list or pow2 up to 2^24)");
  predict_cmd->add_option("--bytes", pa.bytes, "Message sizes (K/M/G = 1024^n)");
  predict_cmd->add_option("--collective", pa.collective,
                          "Collective of the models (all_reduce, all_gather, ...)");
  predict_cmd->add_option("--algo", pa.algos, "Algorithms of that collective: ring, tree, ...");
  predict_cmd
      ->add_option("--ranks-per-host", pa.ranks_per_host,
                   "Ranks on each host (hier, alltoall); 0: all on one")
      ->check(CLI::Range(0, 1 << 20));
  predict_cmd->add_option("-J,--json", pa.json_out,
                          "Write the predictions as JSON (results/schema/prediction.schema.json)");
  std::string compare_model;
  std::vector<std::string> compare_files;
  auto* compare_cmd = app.add_subcommand("compare", "Predicted against measured times");
  compare_cmd->add_option("--model", compare_model, "Model file")->required();
  compare_cmd->add_option("results", compare_files, "Result files (as for fit)")->required();
  compare_cmd->add_option("--osu-ranks", fa.import.osu_ranks, "Rank count of OSU results")
      ->check(CLI::Range(1, 1 << 24));
  if (const auto status = parseSubcommand(app, argc, argv, "model")) return *status;
  try {
    if (*fit_cmd) return fit(fa);
    if (*predict_cmd) return predict(pa);
    return compare(compare_model, compare_files, fa.import);
  } catch (const std::exception& e) {
    std::cerr << "collbench model: error: " << e.what() << "\n";
    return isBadInput(e) ? kExitUsage : kExitRuntime;
  }
}

}  // namespace collbench
