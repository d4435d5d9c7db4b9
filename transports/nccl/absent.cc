// makeNcclBackend where collbench was built without NCCL.
#include "transports/nccl/transport.h"

namespace collbench {

std::unique_ptr<NcclBackend> makeNcclBackend(Bootstrap&) {
  throw TransportError("collbench was built without NCCL (COLLBENCH_WITH_NCCL)");
}

std::string ncclLibraryVersion() { return ""; }

}  // namespace collbench
