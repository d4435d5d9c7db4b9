// Element types and reduction operations, with the names the command line and result files
// use. Names follow the spelling; nccl-tests' names are accepted as aliases.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace collbench {

enum class DataType { kFloat32, kFloat64, kFloat16, kBFloat16, kInt32, kInt64, kUInt8 };
enum class ReduceOp { kSum, kProd, kMin, kMax, kAvg };

std::size_t dtypeSize(DataType t);
const char* dtypeName(DataType t);
bool isFloating(DataType t);
bool isSigned(DataType t);
std::optional<DataType> parseDataType(const std::string& name);
const std::vector<DataType>& allDataTypes();
std::string dataTypeNames();  // "float32, float64, ..." for messages

const char* opName(ReduceOp op);
std::optional<ReduceOp> parseReduceOp(const std::string& name);
const std::vector<ReduceOp>& allReduceOps();
std::string reduceOpNames();

}  // namespace collbench
