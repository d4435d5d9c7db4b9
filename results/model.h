// Latency-bandwidth (alpha-beta) cost models of collbench's algorithms, fitted to measured
// sweeps and used to predict rank counts and sizes that were not measured. Each measurement
// names its form (Measurement::cost_form, declared by the algorithm: Algorithm::costForm()).
//
// The forms, t(n, S) for n ranks and S bytes, S as nccl-tests reports it (docs/MODELS.md gives
// the derivations and sources):
//   ring         2(n-1) a + 2(n-1)/n S b            all-reduce ring (Patarasuk and Yuan 2009;
//                                                   Thakur, Rabenseifner and Gropp 2005)
//   tree         2 ceil(log2 n) a + 2 S b           all-reduce, NCCL's pipelined double binary
//                                                   tree
//   hier         2(L-1) a' + 2(L-1)/L S b'          ring reduce-scatter and all-gather inside a
//                + 2(H-1) a + 2(H-1)/H (S/L) b      host of L ranks; ring across H hosts on S/L
//   hier-tree    the same inside hosts + 2 ceil(log2 H) a + 2 (S/L) b across them
//   linear       (n-1) a + (n-1)/n S b              all-gather and reduce-scatter rings,
//                                                   pairwise and all-at-once alltoall
//   chain        (n-1) a + S b                      pipelined chain broadcast and reduce
//   binary-tree  ceil(log2 n) a + c S b             pipelined binary tree broadcast and reduce;
//                                                   c = 2 inner ranks send to (n >= 4), else 1
//   pair         a + S b                            sendrecv, pingpong (one message each way)
//   recursive-doubling  k (a + S b), k = log2 p + 2 [n != p]   all-reduce for small messages;
//                p the largest power of two <= n (the 2 are the fold and unfold)
// a is the time of one step's message latency, b the time per byte (wire and reduction); a', b'
// the same inside a host. Vendor collectives are fitted with their collective's form
// (collectives.json "cost_form"), an approximation: the library picks its algorithm per size.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "results/measurement.h"

namespace collbench {

enum class ModelForm {
  kRing,
  kTree,
  kHierRing,
  kHierTree,
  kLinear,
  kChain,
  kBinaryTree,
  kPair,
  kRecursiveDoubling
};

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
  std::string collective = "all_reduce";
  std::string algorithm;
  ModelForm form = ModelForm::kRing;
  CostParams params{};
  std::array<bool, 4> identified{};  // false: the data cannot tell (e.g. no run crossed hosts)
  FitQuality fit;
  std::vector<int> ranks;  // rank counts fitted
  std::uint64_t min_bytes = 0, max_bytes = 0;
};

// The form of that name ("ring", "linear", ...); nullopt for an unknown name.
std::optional<ModelForm> formNamed(const std::string& name);
const char* formName(ModelForm form);
// Every form's name, comma separated, for messages.
std::string formNames();
// The form a measurement was made with: its cost_form, or for files written before schema 3
// (all-reduce and pingpong only) the form its algorithm's name implies.
ModelForm formOf(const Measurement& m);

// The coefficients of a, b, a', b' in t(ranks, hosts, bytes). Ranks per host is ranks / hosts
// rounded up.
std::array<double, 4> costTerms(ModelForm form, int ranks, int hosts, double bytes);
double predictMicroseconds(const CostModel& m, int ranks, int hosts, double bytes);

// One model per (transport, collective, algorithm) from the out-of-place, correctly checked
// measurements of `dtype` and `op` (collectives without an op record "none" and always match), by
// least squares on relative error (so that 8 B and 64 MiB weigh alike) with non-negative
// parameters. Uses the median time (p50). Models with fewer points than parameters are left out.
std::vector<CostModel> fitModels(const std::vector<Measurement>& measurements,
                                 const std::string& dtype, const std::string& op);

// A model from a fabric profile: a = latency, b = 8 / (link Gb/s * 1000) us per byte, for the
// network and (unless given separately) inside hosts.
CostModel fabricModel(const std::string& collective, const std::string& algorithm, ModelForm form,
                      double latency_us, double link_gbps);

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
