#include "transports/libfabric/library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "transports/api/errors.h"

namespace collbench {
namespace {

// COLLBENCH_LIBFABRIC names another build (a path, or a file name the loader searches for).
std::string libraryName() {
  const char* name = std::getenv("COLLBENCH_LIBFABRIC");
  return name && *name ? name : "libfabric.so.1";
}

template <typename F>
void resolve(void* handle, const std::string& library, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  if (!out) {
    throw TransportError("libfabric: " + library + " has no symbol " + name +
                         " (is it libfabric 1.9 or later?)");
  }
}

FabricLibrary load() {
  const std::string library = libraryName();
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw TransportError("libfabric: cannot load " + library + ": " +
                         (why ? why : "unknown reason") +
                         " (install libfabric, or put its lib folder in LD_LIBRARY_PATH)");
  }
  FabricLibrary lib{};
  resolve(handle, library, "fi_getinfo", lib.getinfo);
  resolve(handle, library, "fi_freeinfo", lib.freeinfo);
  resolve(handle, library, "fi_dupinfo", lib.dupinfo);
  resolve(handle, library, "fi_fabric", lib.fabric);
  resolve(handle, library, "fi_strerror", lib.strerror);
  resolve(handle, library, "fi_version", lib.version);
  return lib;  // the handle stays open for the life of the process
}

}  // namespace

const FabricLibrary& fabricLibrary() {
  static const FabricLibrary lib = load();
  return lib;
}

}  // namespace collbench
