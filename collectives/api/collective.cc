#include "collectives/api/collective.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "collectives/api/collectives_json.h"  // generated from collectives.json

namespace collbench {
namespace {

Layout parseLayout(const std::string& text) {
  if (text == "same") return Layout::kSame;
  if (text == "gather") return Layout::kGather;
  if (text == "scatter") return Layout::kScatter;
  if (text == "exchange") return Layout::kExchange;
  throw std::logic_error("collectives.json: unknown layout '" + text + "'");
}

Expected parseExpected(const std::string& text) {
  static const std::pair<const char*, Expected> names[] = {
      {"reduced", Expected::kReduced},         {"reduced_at_root", Expected::kReducedAtRoot},
      {"gathered", Expected::kGathered},       {"exchanged", Expected::kExchanged},
      {"from_root", Expected::kFromRoot},      {"from_previous", Expected::kFromPrevious},
      {"from_partner", Expected::kFromPartner}};
  for (const auto& [name, e] : names) {
    if (text == name) return e;
  }
  throw std::logic_error("collectives.json: unknown result '" + text + "'");
}

// Whether only each pingpong pair's initiator times an iteration.
bool parseTimedBy(const std::string& text) {
  if (text == "all" || text == "initiator") return text == "initiator";
  throw std::logic_error("collectives.json: unknown timed_by '" + text + "'");
}

CollectiveDescriptor fromJson(const nlohmann::json& j) {
  CollectiveDescriptor d;
  d.name = j.at("name").get<std::string>();
  d.aliases = j.at("aliases").get<std::vector<std::string>>();
  d.nccl_tests = j.at("nccl_tests").get<std::string>();
  d.layout = parseLayout(j.at("layout").get<std::string>());
  d.bus_factor_formula = j.at("bus_factor").get<std::string>();
  d.time_scale = j.at("time_scale").get<double>();
  d.timed_by_initiator = parseTimedBy(j.at("timed_by").get<std::string>());
  d.has_root = j.at("root").get<bool>();
  d.uses_op = j.at("op").get<bool>();
  d.expected = parseExpected(j.at("result").get<std::string>());
  d.align_bytes = j.at("align_bytes").get<std::size_t>();
  d.cost_form = j.at("cost_form").get<std::string>();
  d.busFactor(2);  // rejects an unknown formula at start-up
  return d;
}

const std::vector<CollectiveDescriptor>& table() {
  static const std::vector<CollectiveDescriptor> t = [] {
    std::vector<CollectiveDescriptor> out;
    const nlohmann::json doc = nlohmann::json::parse(kCollectivesJson);
    for (const auto& j : doc.at("collectives")) {
      out.push_back(fromJson(j));
    }
    return out;
  }();
  return t;
}

std::byte* at(const void* buffer, std::size_t elements, std::size_t esize) {
  return static_cast<std::byte*>(const_cast<void*>(buffer)) + elements * esize;
}

// Element i of rank `source`'s input, as every data-moving collective fills it.
double moved(const CollArgs& a, int source, std::uint64_t seed, std::size_t i) {
  return movedValue(a.dtype, source, seed, i);
}

void fillMoved(const CollArgs& a, int rank, std::uint64_t seed, void* send) {
  for (std::size_t i = 0; i < a.send_count; ++i)
    storeElement(a.dtype, send, i, moved(a, rank, seed, i));
}

// Compares recv[i] with want(i) for every i < count, exactly.
template <typename Want>
CheckResult compareExactly(const CollArgs& a, const void* recv, std::size_t count, Want want) {
  CheckResult result;
  for (std::size_t i = 0; i < count; ++i) {
    const double expected = want(i);
    const double got = loadElement(a.dtype, recv, i);
    if (got == expected) continue;
    if (result.wrong++ == 0) result.first_wrong = i, result.got = got, result.expected = expected;
  }
  return result;
}

}  // namespace

double CollectiveDescriptor::busFactor(int ranks) const {
  const double n = ranks;
  if (bus_factor_formula == "2(n-1)/n") return 2.0 * (n - 1) / n;
  if (bus_factor_formula == "(n-1)/n") return (n - 1) / n;
  if (bus_factor_formula == "1") return 1.0;
  throw std::logic_error("collectives.json: unknown bus_factor '" + bus_factor_formula + "'");
}

BufferShape CollectiveDescriptor::shape(std::size_t elements, std::size_t esize, int ranks) const {
  const auto n = static_cast<std::size_t>(ranks);
  const std::size_t align = align_bytes > esize ? align_bytes / esize : 1;
  const std::size_t base = elements / n / align * align;
  BufferShape s;
  switch (layout) {
    case Layout::kSame:
      s.send_count = s.recv_count = s.param_count = elements;
      break;
    case Layout::kGather:
      s = {base, base * n, base, base, 0};
      break;
    case Layout::kScatter:
      s = {base * n, base, base, 0, base};
      break;
    case Layout::kExchange:
      s = {base * n, base * n, base, 0, 0};
      break;
  }
  return s;
}

CollArgs CollectiveDescriptor::args(const BufferShape& s, const void* send_buffer,
                                    void* recv_buffer, bool in_place, int rank, DataType dtype,
                                    ReduceOp op, int root) const {
  const std::size_t esize = dtypeSize(dtype);
  const auto r = static_cast<std::size_t>(rank);
  CollArgs a;
  a.send_count = s.send_count;
  a.recv_count = s.recv_count;
  a.dtype = dtype;
  a.op = uses_op ? op : ReduceOp::kSum;
  a.root = has_root ? root : 0;
  a.in_place = in_place;
  a.send = in_place ? at(recv_buffer, r * s.send_inplace_offset, esize) : send_buffer;
  a.recv = in_place ? at(recv_buffer, r * s.recv_inplace_offset, esize) : recv_buffer;
  return a;
}

void CollectiveDescriptor::fill(const CollArgs& a, int rank, int ranks, std::uint64_t seed,
                                void* send) const {
  if (uses_op) return fillInput(a.dtype, a.op, rank, ranks, seed, send, a.send_count);
  fillMoved(a, rank, seed, send);
}

// The rank whose input this rank's output copies, for collectives that copy one input whole.
int CollectiveDescriptor::sourceOf(const CollArgs& a, int rank, int ranks) const {
  switch (expected) {
    case Expected::kFromRoot:
      return a.root;
    case Expected::kFromPrevious:
      return (rank + ranks - 1) % ranks;
    case Expected::kFromPartner:
      return pingpongPartner(rank, ranks) < 0 ? rank : (rank & ~1);
    default:
      return rank;
  }
}

CheckResult CollectiveDescriptor::check(const CollArgs& a, int rank, int ranks, std::uint64_t seed,
                                        const void* recv) const {
  const std::size_t count = a.recv_count;
  const std::size_t part = a.send_count / static_cast<std::size_t>(ranks);
  if (!hasResult(a, rank)) return {};
  switch (expected) {
    case Expected::kReducedAtRoot:
    case Expected::kReduced: {
      const std::size_t first = layout == Layout::kScatter ? rank * count : 0;
      return checkOutput(a.dtype, a.op, ranks, seed, recv, count, first);
    }
    case Expected::kGathered:
      return compareExactly(a, recv, count, [&](std::size_t i) {
        return moved(a, static_cast<int>(i / a.send_count), seed, i % a.send_count);
      });
    case Expected::kExchanged:
      return compareExactly(a, recv, count, [&](std::size_t i) {
        return moved(a, static_cast<int>(i / part), seed, rank * part + i % part);
      });
    default: {
      const int source = sourceOf(a, rank, ranks);
      return compareExactly(a, recv, count,
                            [&](std::size_t i) { return moved(a, source, seed, i); });
    }
  }
}

const CollectiveDescriptor& describeCollective(const std::string& name) {
  for (const auto& d : table()) {
    if (d.name == name) return d;
    for (const auto& alias : d.aliases) {
      if (alias == name) return d;
    }
  }
  throw std::invalid_argument("unknown collective '" + name +
                              "'; available: " + collectiveNameList());
}

const std::vector<CollectiveDescriptor>& allCollectives() { return table(); }

std::vector<std::string> collectiveNames() {
  std::vector<std::string> names;
  for (const auto& d : table()) names.push_back(d.name);
  return names;
}

std::string collectiveNameList() {
  std::string s;
  for (const auto& d : table()) s += (s.empty() ? "" : ", ") + d.name;
  return s;
}

bool CollectiveDescriptor::timesIteration(int rank, int ranks) const {
  return !timed_by_initiator || (rank % 2 == 0 && pingpongPartner(rank, ranks) >= 0);
}

int pingpongPartner(int rank, int ranks) {
  const int partner = rank ^ 1;
  return partner < ranks ? partner : -1;
}

}  // namespace collbench

namespace collbench {

std::string Algorithm::costForm() const { return describeCollective(collective()).cost_form; }

}  // namespace collbench
