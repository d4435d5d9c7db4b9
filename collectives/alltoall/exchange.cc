#include "collectives/alltoall/exchange.h"

#include <string>

#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

constexpr Tag kExchangeChannel = 1;

// The input as the exchange reads it: args.send, or a copy of it in place.
const void* inputOf(Communicator& comm, const CollArgs& args) {
  if (!args.inPlace() || comm.size() == 1) return args.send;
  void* copy = comm.workspace(args.sendBytes()).data();
  memoryOps(comm).copy(copy, args.send, args.sendBytes());
  return copy;
}

}  // namespace

BlockExchange::BlockExchange(Communicator& comm, const CollArgs& args)
    : comm_(comm),
      tag_(comm.nextTagBase()),
      block_bytes_(args.sendBytes() / static_cast<std::size_t>(comm.size())),
      in_(comm.buffer(inputOf(comm, args), args.sendBytes())),
      out_(comm.buffer(args.recv, args.recvBytes())) {
  const std::size_t own = static_cast<std::size_t>(comm.rank()) * block_bytes_;
  if (in_.data() != out_.data())
    memoryOps(comm).copy(out_.data() + own, in_.data() + own, block_bytes_);
}

void BlockExchange::post(int to, int from) {
  Transport& tr = comm_.transport();
  const Tag tag = withChannel(tag_, kExchangeChannel);
  pending_.push_back(tr.postRecv(from, tag, out_.region,
                                 out_.base + static_cast<std::size_t>(from) * block_bytes_,
                                 block_bytes_));
  pending_.push_back(tr.postSend(
      to, tag, in_.region, in_.base + static_cast<std::size_t>(to) * block_bytes_, block_bytes_));
}

void BlockExchange::wait(const std::string& what) {
  waitAt([&] { comm_.transport().wait(pending_, comm_.deadline()); }, [&] { return what; });
  pending_.clear();
}

}  // namespace collbench
