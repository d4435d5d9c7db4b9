// The exit status of every collbench command (the benchmark, `check`, `model`): the one list.
// README "Exit status" explains each to users.
#pragma once

namespace collbench {

constexpr int kExitOk = 0;          // every check passed
constexpr int kExitRuntime = 1;     // a timeout, a dead or unreachable peer, an I/O error
constexpr int kExitUsage = 2;       // a bad flag, options that differ between ranks, a malformed
                                    // spec, result or model file: refused before any traffic
constexpr int kExitWrong = 3;       // wrong results
constexpr int kExitAcceptance = 4;  // an acceptance rule failed (--spec, `collbench check`)

}  // namespace collbench
