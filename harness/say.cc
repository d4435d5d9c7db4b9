#include "harness/say.h"

#include <unistd.h>

#include <cerrno>

namespace collbench {

void say(const std::string& text) {
  const std::string line = "collbench: " + text + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr is gone: nothing else to tell
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace collbench
