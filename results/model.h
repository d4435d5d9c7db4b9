// Latency-bandwidth (alpha-beta) cost models of collbench's algorithms, fitted to measured
// sweeps and used to predict rank counts and sizes that were not measured. Each measurement
// names its form (Measurement::cost_form, declared by the algorithm: Algorithm::costForm()).
//
// The forms, t(n, S) for n ranks and S bytes, S as nccl-tests reports it (docs/MODELS.md gives
// the derivations and sources):
//   ring         2(n-1) a + 2(n-1)/n S b            all-reduce ring (Patarasuk and Yuan 2009;
//                                                   Thakur, Rabenseifner and Gropp 2005)
//   tree         2 ceil(log2 n) a + c S b           all-reduce, NCCL's pipelined double binary
//                                                   tree; c = 1, 1.5, 2 at n = 2, 3, >= 4 (the
//                                                   busiest rank sends c S)
//   hier         2(L-1) a' + 2(L-1)/L S b'          ring reduce-scatter and all-gather inside a
//                + 2(H-1) a + 2(H-1)/H (S/L') b     host of L ranks; ring across H hosts on S/L'
//                                                   (L the fullest host's ranks, L' the emptiest's)
//   hier-tree    the same inside hosts + 2 ceil(log2 H) a + c (S/L') b across them (c as tree's)
//   linear       (n-1) a + (n-1)/n S b              all-gather and reduce-scatter rings
//   alltoall     (n-L) a + L(n-L)/n S b             pairwise and all-at-once alltoall: each rank
//                + (L-1) a' + (L-1)/n S b'          sends S/n to every other; the L ranks of a
//                                                   host share its link, which carries
//                                                   L(n-L)/n S out (L the fullest host's ranks);
//                                                   linear at one rank per host
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

#include "results/fabrics.h"
#include "results/measurement.h"

namespace collbench {

enum class ModelForm {
  kRing,
  kTree,
  kHierRing,
  kHierTree,
  kLinear,
  kAlltoall,
  kChain,
  kBinaryTree,
  kPair,
  kRecursiveDoubling
};

// Parameters in the order of costTerms(): a, b, a', b' (microseconds, microseconds per byte).
using CostParams = std::array<double, 4>;

// One fitted point: where it was measured, and what the model says of it.
struct FitPoint {
  int ranks = 0, hosts = 0;
  std::uint64_t bytes = 0;
  double measured_us = 0, predicted_us = 0;
  double relError() const { return (predicted_us - measured_us) / measured_us; }
};

struct FitQuality {
  int points = 0;
  double r2 = 0;             // 1 - SS_res / SS_tot over the fitted times
  double rms_rel_error = 0;  // sqrt(mean(((predicted - measured) / measured)^2))
  double max_rel_error = 0;
  // The signed extremes of (predicted - measured) / measured: the spread of a prediction.
  double rel_error_low = 0, rel_error_high = 0;
  std::vector<FitPoint> worst;  // the points with the largest relative errors, worst first
};

// When a fit is not to be trusted: R^2 below this, or an RMS relative error above the other.
constexpr double kPoorFitR2 = 0.9;
constexpr double kPoorFitRmsRelError = 0.15;
constexpr int kWorstPointsKept = 3;
bool poorFit(const FitQuality& q);

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

// How ranks sit on hosts, for hier: the fullest host's ranks set the inner ring (L ranks), the
// emptiest host's ranks the share each of its ranks carries across hosts (S / L_min). Zero:
// an even spread, ranks / hosts rounded up for both.
struct HostSpread {
  int largest = 0, smallest = 0;
};
HostSpread spreadOf(const Measurement& m);

// The coefficients of a, b, a', b' in t(ranks, hosts, bytes).
std::array<double, 4> costTerms(ModelForm form, int ranks, int hosts, double bytes,
                                HostSpread spread = {});
double predictMicroseconds(const CostModel& m, int ranks, int hosts, double bytes,
                           HostSpread spread = {});

// The band of times a prediction's fit allows: `predicted` divided by one plus the fit's
// largest and smallest relative errors. {predicted, predicted} for a model without a fit.
std::array<double, 2> predictionSpread(const CostModel& m, double predicted_us);

// Whether (ranks, bytes) lies outside what a fitted model saw: more or fewer ranks than it
// was fitted on, or sizes beyond its smallest and largest. A fabric profile has no range.
struct Extrapolation {
  bool ranks = false, bytes = false;
  bool any() const { return ranks || bytes; }
  std::string describe() const;  // "-", "ranks", "bytes" or "ranks,bytes"
};
Extrapolation extrapolation(const CostModel& m, int ranks, std::uint64_t bytes);

// Emulated links (scripts/netns-hosts.sh) pass a call that moves less than the token bucket
// of tc's tbf per rank at the speed of the host, not of the link. The bucket a run recorded
// (run.environment COLLBENCH_LINK_EMULATION "tbf rate=R burst=BYTES cc=NAME"); 0 when none.
std::uint64_t tokenBucketBytes(const RunInfo& run);
// Bytes one rank moves across hosts in one call of m (the b term's coefficient); 0 when the
// call stays inside one host.
double bytesAcrossHosts(const Measurement& m);

// One model per (transport, collective, algorithm) from the out-of-place, correctly checked
// measurements of `dtype` and `op` (collectives without an op record "none" and always match), by
// least squares on relative error (so that 8 B and 64 MiB weigh alike) with non-negative
// parameters. Uses the median time (p50). Models with fewer points than parameters are left out.
std::vector<CostModel> fitModels(const std::vector<Measurement>& measurements,
                                 const std::string& dtype, const std::string& op);

// A model from a fabric profile: a = its latency, b = 8 / (link Gb/s * 1000 * efficiency) us
// per byte, for the network and inside hosts.
CostModel fabricModel(const std::string& collective, const std::string& algorithm, ModelForm form,
                      const FabricProfile& fabric);

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
