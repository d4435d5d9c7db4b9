// Result files are read back by `collbench check`, possibly from other machines or edited by
// hand: any bytes must load or fail with ResultFormatError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "results/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const collbench::ResultFile file = collbench::parseResultFile(text, "fuzz.json");
    (void)collbench::resultDocument(file.run, file.measurements).dump();
  } catch (const collbench::ResultFormatError&) {
  }
  return 0;
}
