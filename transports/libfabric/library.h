// libfabric's exported entry points, found with dlopen("libfabric.so.1") on first use instead
// of being linked. Everything else in the API is inline code calling through the fids' ops
// tables, so these six are all collbench needs. Loading late keeps libfabric (and the PSM
// library Debian's build pulls in, whose constructor sleeps about 0.2 s calibrating the CPU
// clock) out of every process that never opens a fabric, and lets one binary run on hosts
// where libfabric lives elsewhere (LD_LIBRARY_PATH=/opt/amazon/efa/lib, or COLLBENCH_LIBFABRIC
// naming the file) or is absent.
#pragma once

#include <rdma/fabric.h>

namespace collbench {

struct FabricLibrary {
  decltype(&::fi_getinfo) getinfo;
  decltype(&::fi_freeinfo) freeinfo;
  decltype(&::fi_dupinfo) dupinfo;
  decltype(&::fi_fabric) fabric;
  decltype(&::fi_strerror) strerror;
  decltype(&::fi_version) version;
};

// The library, loaded once per process. Throws TransportError naming the library and the
// loader's reason when it cannot be loaded or lacks one of the entry points.
const FabricLibrary& fabricLibrary();

}  // namespace collbench
