#include "harness/model_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "collectives/api/collective.h"
#include "collectives/registry.h"
#include "harness/options.h"
#include "results/fabrics.h"
#include "results/json.h"
#include "results/model.h"

namespace collbench {
namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

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

std::vector<Measurement> readAll(const std::vector<std::string>& files) {
  std::vector<Measurement> all;
  for (const auto& f : files) {
    ResultFile r = readResultFile(f);
    all.insert(all.end(), r.measurements.begin(), r.measurements.end());
  }
  return all;
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

int fit(const std::vector<std::string>& files, const std::string& out, const std::string& dtype,
        const std::string& op, const std::string& ranks) {
  std::vector<Measurement> all = readAll(files);
  if (!ranks.empty()) {
    const auto keep = rankCounts(ranks, 1 << 24);
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const Measurement& m) {
                               return std::find(keep.begin(), keep.end(), m.ranks) == keep.end();
                             }),
              all.end());
  }
  const auto models = fitModels(all, dtype, op);
  if (models.empty()) {
    std::cerr << "collbench model fit: error: no out-of-place, correct " << dtype << " " << op
              << " measurements to fit in the given files\n";
    return kExitUsage;
  }
  printModels(models);
  if (!out.empty()) writeJsonAtomically(out, modelDocument(models, files));
  return 0;
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
};

std::vector<CostModel> loadModels(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ModelFormatError(path + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  return parseModelFile(text.str(), path);
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
      chosen.push_back(fabricModel(a.collective, algo, fabricForm(a.collective, algo),
                                   fabric->latency_us, fabric->link_gbps));
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

std::vector<std::uint64_t> parseBytes(const std::string& list) {
  std::vector<std::uint64_t> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      out.push_back(parseSize(item));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--bytes: ") + e.what());
    }
  }
  if (out.empty()) throw UsageError("--bytes: empty list");
  return out;
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

void printCrossovers(const std::vector<CostModel>& models, int n, int hosts) {
  for (std::size_t i = 0; i < models.size(); ++i) {
    for (std::size_t j = i + 1; j < models.size(); ++j) {
      const double s = crossoverBytes(models[i], models[j], n, hosts);
      const CostModel& x = models[i];
      const CostModel& y = models[j];
      const bool x_first =
          predictMicroseconds(x, n, hosts, 0) <= predictMicroseconds(y, n, hosts, 0);
      const std::string small = x_first ? x.algorithm : y.algorithm;
      const std::string large = x_first ? y.algorithm : x.algorithm;
      if (s < 0 && predictMicroseconds(x, n, hosts, 1) == predictMicroseconds(y, n, hosts, 1)) {
        std::cout << "# ranks " << n << ": " << x.algorithm << " and " << y.algorithm
                  << " cost the same at every size\n";
      } else if (s < 0) {
        std::cout << "# ranks " << n << ": " << small << " is faster than " << large
                  << " at every size\n";
      } else {
        std::cout << "# ranks " << n << ": crossover " << small << "/" << large << " at "
                  << static_cast<std::uint64_t>(s) << " bytes (" << small << " faster below)\n";
      }
    }
  }
}

int predict(PredictArgs a) {
  try {
    a.collective = describeCollective(a.collective).name;
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--collective: ") + e.what());
  }
  const CollectiveDescriptor& coll = describeCollective(a.collective);
  const auto algos = splitNames(a.algos);
  const auto models = modelsFor(a, algos);
  const auto sizes = parseBytes(a.bytes);
  const auto counts = rankCounts(a.ranks, 1 << 24);
  std::cout << "# " << coll.name << ": busbw = algbw * its factor (" << coll.bus_factor_formula
            << ")\n";
  std::cout << "#algo        ranks  hosts          bytes      time_us   algbw_GB/s   busbw_GB/s\n";
  for (int n : counts) {
    const int hosts = a.ranks_per_host > 0 ? (n + a.ranks_per_host - 1) / a.ranks_per_host : 1;
    for (const auto& m : models) {
      for (std::uint64_t s : sizes) {
        const double t = predictMicroseconds(m, n, hosts, static_cast<double>(s));
        const double algbw = t > 0 ? static_cast<double>(s) / t / 1e3 : 0;
        std::printf(" %-10s  %6d  %5d  %13llu  %11.2f  %11.3f  %11.3f\n", m.algorithm.c_str(), n,
                    hosts, static_cast<unsigned long long>(s), t, algbw, algbw * coll.busFactor(n));
      }
    }
    printCrossovers(models, n, hosts);
  }
  return 0;
}

// Predicted against measured for every out-of-place measurement a model covers.
int compare(const std::string& model_path, const std::vector<std::string>& files) {
  const std::vector<CostModel> models = loadModels(model_path);
  std::cout << "#collective      algo        ranks  hosts          bytes  measured_us  "
               "predicted_us  error\n";
  double worst = 0;
  for (const auto& m : readAll(files)) {
    const CostModel* model = findModel(models, m.collective, m.algorithm);
    if (!model || m.in_place || m.bytes == 0) continue;
    const double pred = predictMicroseconds(*model, m.ranks, m.hosts, static_cast<double>(m.bytes));
    const double err = (pred - m.time_us.p50) / m.time_us.p50;
    worst = std::max(worst, std::abs(err));
    std::printf(" %-15s  %-10s  %6d  %5d  %13llu  %11.2f  %12.2f  %+6.1f%%\n", m.collective.c_str(),
                m.algorithm.c_str(), m.ranks, m.hosts, static_cast<unsigned long long>(m.bytes),
                m.time_us.p50, pred, err * 100);
  }
  std::printf("# largest error %.1f%%\n", worst * 100);
  return 0;
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
  std::vector<std::string> files;
  std::string out, dtype = "float32", op = "sum", fit_ranks;
  auto* fit_cmd =
      app.add_subcommand("fit", "Fit one model per transport, collective and algorithm");
  fit_cmd->add_option("results", files, "Result files written by collbench -J")->required();
  fit_cmd->add_option("-o,--output", out, "Write the models to this JSON file");
  fit_cmd->add_option("--dtype", dtype, "Data type of the measurements to fit");
  fit_cmd->add_option("--op", op, "Reduction of the measurements to fit");
  fit_cmd->add_option("--ranks", fit_ranks, "Fit only these rank counts (e.g. 2,4)");
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
                   "Ranks on each host (hier); 0: all on one")
      ->check(CLI::Range(0, 1 << 20));
  std::string compare_model;
  auto* compare_cmd = app.add_subcommand("compare", "Predicted against measured times");
  compare_cmd->add_option("--model", compare_model, "Model file")->required();
  compare_cmd->add_option("results", files, "Result files written by collbench -J")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "collbench model: error: " << e.what() << "\n";
    return kExitUsage;
  }
  try {
    if (*fit_cmd) return fit(files, out, dtype, op, fit_ranks);
    if (*predict_cmd) return predict(pa);
    return compare(compare_model, files);
  } catch (const std::exception& e) {
    std::cerr << "collbench model: error: " << e.what() << "\n";
    return isBadInput(e) ? kExitUsage : kExitRuntime;
  }
}

}  // namespace collbench
