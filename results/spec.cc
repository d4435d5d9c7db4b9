#include "results/spec.h"

#include "results/json.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

namespace collbench {

namespace {

const std::set<std::string> kSelectors = {"collective", "algorithm", "transport",
                                          "min_bytes",  "max_bytes", "ranks"};
const std::set<std::string> kBounds = {
    "min_busbw_gbps", "min_link_utilization", "max_p50_us",         "max_p99_us",
    "max_wrong",      "min_pair_busbw_gbps",  "max_pair_latency_us"};

// Reads one rule's values, naming the file, line and key in every complaint.
class RuleReader {
 public:
  RuleReader(const std::string& source, const YAML::Node& node) : source_(source), node_(node) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& what) {
    throw SpecError(source_ + ":" + std::to_string(at.Mark().line + 1) + ": " +
                    (key.empty() ? "" : "'" + key + "': ") + what);
  }

  std::string text(const std::string& key) {
    const YAML::Node& v = node_[key];
    if (!v.IsScalar() || v.as<std::string>().empty()) fail(v, key, "expected a non-empty string");
    return v.as<std::string>();
  }

  double number(const std::string& key, double lo) {
    const YAML::Node& v = node_[key];
    double d = 0;
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, d)) fail(v, key, "expected a number");
    if (!(d >= lo)) fail(v, key, "must be at least " + format(lo));
    return d;
  }

  std::int64_t integer(const YAML::Node& v, const std::string& key, std::int64_t lo) {
    long long i = 0;
    if (!v.IsScalar() || !YAML::convert<long long>::decode(v, i)) {
      fail(v, key, "expected a whole number");
    }
    if (i < lo) fail(v, key, "must be at least " + std::to_string(lo));
    return i;
  }

  std::uint64_t bytes(const std::string& key) {
    const YAML::Node& v = node_[key];
    if (!v.IsScalar()) fail(v, key, "expected a size such as 4096 or 4M");
    try {
      return parseByteSize(v.as<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(v, key, e.what());
    }
  }

  std::vector<int> ranks(const std::string& key) {
    const YAML::Node& v = node_[key];
    std::vector<int> out;
    if (v.IsSequence()) {
      for (const auto& item : v) out.push_back(static_cast<int>(integer(item, key, 1)));
      if (out.empty()) fail(v, key, "an empty list selects nothing");
    } else {
      out.push_back(static_cast<int>(integer(v, key, 1)));
    }
    return out;
  }

  static std::string format(double d) {
    std::ostringstream s;
    s << d;
    return s.str();
  }

 private:
  const std::string& source_;
  const YAML::Node& node_;
};

void checkKeys(RuleReader& reader, const YAML::Node& rule) {
  for (const auto& kv : rule) {
    if (!kv.first.IsScalar()) reader.fail(kv.first, "", "keys must be plain words");
    const std::string key = kv.first.Scalar();
    if (key == "name" || kSelectors.count(key) || kBounds.count(key)) continue;
    reader.fail(kv.first, key,
                "unknown key; a rule takes name, collective, algorithm, transport, min_bytes, "
                "max_bytes, ranks, min_busbw_gbps, min_link_utilization, max_p50_us, "
                "max_p99_us, max_wrong, min_pair_busbw_gbps, max_pair_latency_us");
  }
}

void readSelectors(RuleReader& r, const YAML::Node& node, SpecRule& rule) {
  if (node["collective"]) rule.collective = r.text("collective");
  if (node["algorithm"]) rule.algorithm = r.text("algorithm");
  if (node["transport"]) rule.transport = r.text("transport");
  if (node["min_bytes"]) rule.min_bytes = r.bytes("min_bytes");
  if (node["max_bytes"]) rule.max_bytes = r.bytes("max_bytes");
  if (node["ranks"]) rule.ranks = r.ranks("ranks");
  if (rule.min_bytes > rule.max_bytes) {
    r.fail(node["max_bytes"], "max_bytes", "is below min_bytes: the rule selects nothing");
  }
}

void readBounds(RuleReader& r, const YAML::Node& node, SpecRule& rule) {
  if (node["min_busbw_gbps"]) rule.min_busbw_gbps = r.number("min_busbw_gbps", 0);
  if (node["min_link_utilization"]) {
    rule.min_link_utilization = r.number("min_link_utilization", 0);
  }
  if (node["max_p50_us"]) rule.max_p50_us = r.number("max_p50_us", 0);
  if (node["max_p99_us"]) rule.max_p99_us = r.number("max_p99_us", 0);
  if (node["max_wrong"]) rule.max_wrong = r.integer(node["max_wrong"], "max_wrong", 0);
  if (node["min_pair_busbw_gbps"]) rule.min_pair_busbw_gbps = r.number("min_pair_busbw_gbps", 0);
  if (node["max_pair_latency_us"]) rule.max_pair_latency_us = r.number("max_pair_latency_us", 0);
  const bool any = rule.min_busbw_gbps || rule.min_link_utilization || rule.max_p50_us ||
                   rule.max_p99_us || rule.max_wrong;
  if (!any && !rule.boundsPairs()) {
    r.fail(node, "", "rule '" + rule.name + "' has no bound (min_busbw_gbps, ...)");
  }
  bool selects = false;
  for (const auto& key : kSelectors) selects = selects || node[key];
  if (rule.boundsPairs() && (any || selects)) {
    r.fail(node, "",
           "rule '" + rule.name + "': min_pair_busbw_gbps and max_pair_latency_us " +
               "bound a link screen's pairs, alone: no selectors, no other bounds");
  }
}

SpecRule readRule(const std::string& source, const YAML::Node& node) {
  RuleReader r(source, node);
  if (!node.IsMap()) r.fail(node, "rules", "each rule must be a mapping");
  checkKeys(r, node);
  SpecRule rule;
  rule.line = node.Mark().line + 1;
  if (!node["name"]) r.fail(node, "name", "missing; every rule needs a name");
  rule.name = r.text("name");
  readSelectors(r, node, rule);
  readBounds(r, node, rule);
  return rule;
}

}  // namespace

bool SpecRule::selects(const Measurement& m) const {
  auto matches = [](const std::string& want, const std::string& have) {
    return want.empty() || want == have;
  };
  return matches(collective, m.collective) && matches(algorithm, m.algorithm) &&
         matches(transport, m.transport) && m.bytes >= min_bytes && m.bytes <= max_bytes &&
         (ranks.empty() || std::count(ranks.begin(), ranks.end(), m.ranks) > 0);
}

namespace {

// A mapping key as text; YAML allows any node as a key, a spec only plain words.
std::string keyText(const std::string& source, const YAML::Node& key) {
  if (!key.IsScalar()) {
    throw SpecError(source + ":" + std::to_string(key.Mark().line + 1) +
                    ": keys must be plain words");
  }
  return key.Scalar();
}

Spec parseDocument(const YAML::Node& doc, const std::string& source) {
  auto fail = [&](const YAML::Node& at, const std::string& what) {
    throw SpecError(source + ":" + std::to_string(at.Mark().line + 1) + ": " + what);
  };
  if (!doc.IsMap()) fail(doc, "expected a mapping with a 'rules:' list");
  for (const auto& kv : doc) {
    const std::string key = keyText(source, kv.first);
    if (key != "rules") fail(kv.first, "'" + key + "': unknown key; the top level takes rules");
  }
  const YAML::Node rules = doc["rules"];
  if (!rules || !rules.IsSequence() || rules.size() == 0) {
    fail(rules ? rules : doc, "'rules': expected a non-empty list of rules");
  }
  Spec spec{source, {}};
  std::set<std::string> names;
  for (const auto& node : rules) {
    spec.rules.push_back(readRule(source, node));
    if (!names.insert(spec.rules.back().name).second) {
      fail(node["name"], "'name': rule '" + spec.rules.back().name + "' is defined twice");
    }
  }
  return spec;
}

}  // namespace

Spec parseSpec(const std::string& text, const std::string& source) {
  try {
    return parseDocument(YAML::Load(text), source);
  } catch (const YAML::Exception& e) {
    // Malformed YAML, or a node of a shape the checks did not expect.
    throw SpecError(source + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
}

Spec loadSpec(const std::string& path) {
  const auto text = readWholeFile(path);
  if (!text) throw SpecError(path + ": cannot open");
  return parseSpec(*text, path);
}

}  // namespace collbench
