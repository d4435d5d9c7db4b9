#include "collectives/api/types.h"

#include <utility>

namespace collbench {
namespace {

struct TypeInfo {
  DataType type;
  const char* name;
  std::size_t size;
  std::vector<const char*> aliases;
};

const std::vector<TypeInfo>& typeTable() {
  static const std::vector<TypeInfo> table = {
      {DataType::kFloat32, "float32", 4, {"float", "f32"}},
      {DataType::kFloat64, "float64", 8, {"double", "f64"}},
      {DataType::kFloat16, "float16", 2, {"half", "f16"}},
      {DataType::kBFloat16, "bfloat16", 2, {"bf16"}},
      {DataType::kInt32, "int32", 4, {"int"}},
      {DataType::kInt64, "int64", 8, {}},
      {DataType::kUInt8, "uint8", 1, {}},
  };
  return table;
}

const TypeInfo& info(DataType t) { return typeTable()[static_cast<int>(t)]; }

const std::vector<std::pair<ReduceOp, const char*>>& opTable() {
  static const std::vector<std::pair<ReduceOp, const char*>> table = {{ReduceOp::kSum, "sum"},
                                                                      {ReduceOp::kProd, "prod"},
                                                                      {ReduceOp::kMin, "min"},
                                                                      {ReduceOp::kMax, "max"},
                                                                      {ReduceOp::kAvg, "avg"}};
  return table;
}

}  // namespace

std::size_t dtypeSize(DataType t) { return info(t).size; }
const char* dtypeName(DataType t) { return info(t).name; }

bool isFloating(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kFloat16 ||
         t == DataType::kBFloat16;
}

bool isSigned(DataType t) { return t != DataType::kUInt8; }

std::optional<DataType> parseDataType(const std::string& name) {
  for (const auto& e : typeTable()) {
    if (name == e.name) return e.type;
    for (const char* alias : e.aliases) {
      if (name == alias) return e.type;
    }
  }
  return std::nullopt;
}

const std::vector<DataType>& allDataTypes() {
  static const std::vector<DataType> all = [] {
    std::vector<DataType> v;
    for (const auto& e : typeTable()) v.push_back(e.type);
    return v;
  }();
  return all;
}

std::string dataTypeNames() {
  std::string s;
  for (const auto& e : typeTable()) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s;
}

const char* opName(ReduceOp op) { return opTable()[static_cast<int>(op)].second; }

std::optional<ReduceOp> parseReduceOp(const std::string& name) {
  for (const auto& [op, n] : opTable()) {
    if (name == n) return op;
  }
  return std::nullopt;
}

const std::vector<ReduceOp>& allReduceOps() {
  static const std::vector<ReduceOp> all = {ReduceOp::kSum, ReduceOp::kProd, ReduceOp::kMin,
                                            ReduceOp::kMax, ReduceOp::kAvg};
  return all;
}

std::string reduceOpNames() {
  std::string s;
  for (const auto& [op, n] : opTable()) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

}  // namespace collbench
