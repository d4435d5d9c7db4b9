// Messages to stderr, one line per write(2): the ranks of a job share the launcher's stderr,
// and a message printed piece by piece (std::cerr << a << b) interleaves with another rank's.
#pragma once

#include <string>

namespace collbench {

// Writes "collbench: " + text + "\n" to stderr in one write call.
void say(const std::string& text);

}  // namespace collbench
