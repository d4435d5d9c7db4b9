// What each collective is, as nccl-tests describes it: its names, the shape of its buffers for
// a message size, whether it has a root and uses the reduction op, how its time and bus
// bandwidth are reported, and how its inputs are made and its outputs checked. The facts live
// in collectives/api/collectives.json (also read by the Python scripts); the functions here.
// The harness measures every algorithm through the descriptor of its collective.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "collectives/api/algorithm.h"
#include "collectives/api/check.h"

namespace collbench {

// How a message size S maps onto buffers (collectives.json's "layout").
enum class Layout {
  kSame,     // send and receive both S
  kGather,   // send S/n, receive S
  kScatter,  // send S, receive S/n
  kExchange  // send S, receive S, in n blocks of S/n, one per peer
};

// What each rank's output must hold (collectives.json's "result").
enum class Expected {
  kReduced,        // the reduction of every rank's input (for kScatter, this rank's part)
  kReducedAtRoot,  // the same, on the root only
  kGathered,       // block r is rank r's input
  kExchanged,      // block p is block `rank` of rank p's input
  kFromRoot,       // the root's input
  kFromPrevious,   // the input of rank - 1
  kFromPartner     // the even member's input of this rank's pingpong pair
};

// The buffers of one call, in elements, as nccl-tests' getCollByteCount gives them.
struct BufferShape {
  std::size_t send_count = 0;
  std::size_t recv_count = 0;
  // The count argument of the call: what nccl-tests prints in its count column.
  std::size_t param_count = 0;
  // In place, the send buffer is the recv buffer + rank * send_inplace_offset and the recv
  // buffer + rank * recv_inplace_offset is where the result goes.
  std::size_t send_inplace_offset = 0;
  std::size_t recv_inplace_offset = 0;
  // Elements each of the two buffers must hold (in place, one buffer holds both).
  std::size_t bufferCount() const { return send_count > recv_count ? send_count : recv_count; }
};

class CollectiveDescriptor {
 public:
  std::string name;                  // nccl-tests' name: all_reduce, all_gather, ...
  std::vector<std::string> aliases;  // also accepted on the command line and in files
  std::string nccl_tests;            // nccl-tests' binary, e.g. all_reduce_perf
  Layout layout = Layout::kSame;
  std::string bus_factor_formula;   // "2(n-1)/n", "(n-1)/n" or "1"
  double time_scale = 1;            // the part of an iteration's time reported (pingpong: 0.5)
  bool timed_by_initiator = false;  // only each pingpong pair's even rank times an iteration
  bool has_root = false;
  bool uses_op = false;  // false: the op is reported as "none"
  Expected expected = Expected::kReduced;
  std::size_t align_bytes = 0;  // each rank's part rounded down to a multiple of this
  std::string cost_form;        // the cost model of its bandwidth-optimal algorithm ("ring", ...)

  // Whether `rank`'s clock times an iteration (an iteration takes as long as the slowest of
  // the ranks that do).
  bool timesIteration(int rank, int ranks) const;
  // busbw = algbw * busFactor(ranks).
  double busFactor(int ranks) const;
  // The buffers for a message of `elements` elements of `esize` bytes at `ranks` ranks;
  // each rank's part is rounded down as nccl-tests rounds it.
  BufferShape shape(std::size_t elements, std::size_t esize, int ranks) const;
  // The message size nccl-tests reports for this shape, in elements (the larger buffer).
  std::size_t reportedCount(const BufferShape& s) const { return s.bufferCount(); }
  // The arguments of one call of this rank over two buffers of shape.bufferCount() elements
  // each (in place: `recv_buffer` alone).
  CollArgs args(const BufferShape& s, const void* send_buffer, void* recv_buffer, bool in_place,
                int rank, DataType dtype, ReduceOp op, int root) const;
  // Whether this rank's args.recv receives a result (false on reduce's ranks but the root).
  bool hasResult(const CollArgs& args, int rank) const {
    return expected != Expected::kReducedAtRoot || rank == args.root;
  }
  // Whether every rank's output needs every rank's input (all-reduce, all-gather,
  // reduce-scatter, alltoall): then every rank's call ends once the last rank's data is in,
  // which is what tells the rank that arrived last (results/measurement.h, rankSkew).
  bool endsTogether() const {
    return expected == Expected::kReduced || expected == Expected::kGathered ||
           expected == Expected::kExchanged;
  }
  // Writes this rank's seeded input at args.send.
  void fill(const CollArgs& args, int rank, int ranks, std::uint64_t seed, void* send) const;
  // Checks this rank's output at `recv` (args.recv's contents) element by element.
  CheckResult check(const CollArgs& args, int rank, int ranks, std::uint64_t seed,
                    const void* recv) const;

 private:
  int sourceOf(const CollArgs& args, int rank, int ranks) const;
};

// Throws std::invalid_argument for a name that is neither a collective's nor an alias.
const CollectiveDescriptor& describeCollective(const std::string& name);
// Every collective, in collectives.json's order.
const std::vector<CollectiveDescriptor>& allCollectives();
std::vector<std::string> collectiveNames();
std::string collectiveNameList();  // "all_reduce, all_gather, ..." for messages

// pingpong pairs ranks 0-1, 2-3, ...; the last rank of an odd group has no partner (-1).
int pingpongPartner(int rank, int ranks);

}  // namespace collbench
