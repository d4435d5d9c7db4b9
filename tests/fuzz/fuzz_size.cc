// Sizes come from the command line and from specs ("64M", "4KiB").
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "results/measurement.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)collbench::parseByteSize(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
