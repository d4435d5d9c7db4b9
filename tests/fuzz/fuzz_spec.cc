// Acceptance specs come from users' files: any bytes must parse or fail with SpecError, and a
// parsed spec must evaluate without trouble.
#include <cstddef>
#include <cstdint>
#include <string>

#include "results/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const collbench::Spec spec = collbench::parseSpec(text, "fuzz.yaml");
    collbench::Measurement m;
    m.bytes = 1024;
    m.ranks = 2;
    const collbench::SpecReport report = collbench::evaluate(spec, {m});
    (void)collbench::junitXml(spec, report);
  } catch (const collbench::SpecError&) {
  }
  return 0;
}
