// Latency-bandwidth (alpha-beta) cost models of the all-reduce algorithms, fitted to measured
// sweeps and used to predict rank counts and sizes that were not measured.
//
// The forms, t(n, S) for n ranks and S bytes (docs/MODELS.md gives the derivations and sources):
//   ring       2(n-1) a + 2(n-1)/n S b                (Patarasuk and Yuan 2009; Thakur,
//                                                      Rabenseifner and Gropp 2005)
//   tree       2 ceil(log2 n) a + 2 S b               (NCCL's pipelined double binary tree)
//   hier       2(L-1) a' + 2(L-1)/L S b'              (ring reduce-scatter and all-gather inside a
//              + 2(H-1) a + 2(H-1)/H (S/L) b          host of L ranks; ring across H hosts on S/L)
//   hier-tree  the same inside hosts + 2 ceil(log2 H) a + 2 (S/L) b across them
// a is the time of one step's message latency, b the time per byte (wire and reduction); a', b'
// the same inside a host. Vendor collectives (mpi, gloo-*) are fitted with the ring form, an
// approximation: the library picks its own algorithm per size.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "results/measurement.h"

namespace collbench {

enum class ModelForm { kRing, kTree, kHierRing, kHierTree };

// Parameters in the order of costTerms(): a, b, a', b' (microseconds, microseconds per byte).
using CostParams = std::array<double, 4>;

struct FitQuality {
  int points = 0;
  double r2 = 0;             // 1 - SS_res / SS_tot over the fitted times
  double rms_rel_error = 0;  // sqrt(mean(((predicted - measured) / measured)^2))
  double max_rel_error = 0;
};

struct CostModel {
  std::string transport;
  std::string algorithm;
  ModelForm form = ModelForm::kRing;
  CostParams params{};
  std::array<bool, 4> identified{};  // false: the data cannot tell (e.g. no run crossed hosts)
  FitQuality fit;
  std::vector<int> ranks;  // rank counts fitted
  std::uint64_t min_bytes = 0, max_bytes = 0;
};

ModelForm formFor(const std::string& algorithm);
const char* formName(ModelForm form);

// The coefficients of a, b, a', b' in t(ranks, hosts, bytes). Ranks per host is ranks / hosts
// rounded up.
std::array<double, 4> costTerms(ModelForm form, int ranks, int hosts, double bytes);
double predictMicroseconds(const CostModel& m, int ranks, int hosts, double bytes);

// One model per (transport, algorithm) from the out-of-place, correctly checked all-reduce
// measurements of `dtype` and `op`, by least squares on relative error (so that 8 B and 64 MiB
// weigh alike) with non-negative parameters. Uses the median time (p50). Models with fewer
// points than parameters are left out.
std::vector<CostModel> fitModels(const std::vector<Measurement>& measurements,
                                 const std::string& dtype, const std::string& op);

// A model from a fabric profile: a = latency, b = 8 / (link Gb/s * 1000) us per byte, for the
// network and (unless given separately) inside hosts.
CostModel fabricModel(const std::string& algorithm, double latency_us, double link_gbps);

// Sizes where two models cost the same at `ranks` on `hosts`: below it the one with the lower
// fixed cost is faster. Returns -1 when one is faster at every size.
double crossoverBytes(const CostModel& x, const CostModel& y, int ranks, int hosts);

// The model file: {"model_version": 1, "time_statistic": "p50", "sources": [...], "models": [...]}.
class ModelFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
nlohmann::json modelDocument(const std::vector<CostModel>& models,
                             const std::vector<std::string>& sources);
std::vector<CostModel> parseModelFile(const std::string& text, const std::string& source);

}  // namespace collbench
