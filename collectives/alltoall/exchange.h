// What the alltoall algorithms share: block p of the send buffer goes to rank p and block p of
// the receive buffer comes from rank p, blocks of send_count / n elements; a rank's own block
// is copied. In place, the input is first copied to the workspace, since a block received
// from rank p lands where the block for rank p is still waiting to leave.
#pragma once

#include <cstddef>
#include <vector>

#include "collectives/api/algorithm.h"

namespace collbench {

class BlockExchange {
 public:
  BlockExchange(Communicator& comm, const CollArgs& args);
  std::size_t blockBytes() const { return block_bytes_; }
  // Posts the receive of block `from` from rank `from` and the send of block `to` to rank
  // `to`; both are waited for by wait().
  void post(int to, int from);
  // Waits for everything posted; `what` says where in the algorithm a failure happened.
  void wait(const std::string& what);

 private:
  Communicator& comm_;
  Tag tag_;
  std::size_t block_bytes_;
  RegisteredBuffer in_;
  RegisteredBuffer out_;
  std::vector<Request> pending_;
};

}  // namespace collbench
