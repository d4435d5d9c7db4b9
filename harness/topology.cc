#include "harness/topology.h"

#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "results/json.h"

namespace collbench {

namespace {

std::string readFile(const std::string& path) { return readWholeFile(path).value_or(""); }

std::vector<std::string> listDir(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The value after "key:" on the first line that starts with `key`, trimmed.
std::string fieldValue(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto begin = line.find_first_not_of(" \t", colon + 1);
    return begin == std::string::npos ? "" : line.substr(begin);
  }
  return "";
}

std::vector<NicInfo> networkInterfaces() {
  std::vector<NicInfo> nics;
  for (const auto& name : listDir("/sys/class/net")) {
    if (name == "lo") continue;
    NicInfo nic{name, 0};
    // Mb/s; -1 or unreadable for virtual and down interfaces.
    std::istringstream speed(readFile("/sys/class/net/" + name + "/speed"));
    long mbps = 0;
    if (speed >> mbps && mbps > 0) nic.speed_gbps = static_cast<double>(mbps) / 1000;
    nics.push_back(nic);
  }
  return nics;
}

std::vector<std::string> nvidiaGpus() {
  std::vector<std::string> gpus;
  const std::string dir = "/proc/driver/nvidia/gpus";
  for (const auto& bus : listDir(dir)) {
    gpus.push_back(gpuModelFromInformation(readFile(dir + "/" + bus + "/information")) + " (" +
                   bus + ")");
  }
  return gpus;
}

// NVML, opened at run time so that collbench needs no driver library to start: the functions
// are looked up by name, with the signatures of nvml.h.
struct Nvml {
  using Device = void*;
  struct PciInfo {           // nvmlPciInfo_t: busIdLegacy[16], domain, bus, device, pciDeviceId,
    char bus_id_legacy[16];  // pciSubSystemId, busId[32]
    unsigned domain, bus, device, device_id, subsystem_id;
    char bus_id[32];
  };
  int (*init)() = nullptr;
  int (*count)(unsigned*) = nullptr;
  int (*byIndex)(unsigned, Device*) = nullptr;
  int (*pci)(Device, PciInfo*) = nullptr;
  int (*p2p)(Device, Device, int, int*) = nullptr;
  int (*shutdown)() = nullptr;

  bool open() {
    void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return false;
    init = reinterpret_cast<int (*)()>(dlsym(lib, "nvmlInit_v2"));
    count = reinterpret_cast<int (*)(unsigned*)>(dlsym(lib, "nvmlDeviceGetCount_v2"));
    byIndex =
        reinterpret_cast<int (*)(unsigned, Device*)>(dlsym(lib, "nvmlDeviceGetHandleByIndex_v2"));
    pci = reinterpret_cast<int (*)(Device, PciInfo*)>(dlsym(lib, "nvmlDeviceGetPciInfo_v3"));
    p2p =
        reinterpret_cast<int (*)(Device, Device, int, int*)>(dlsym(lib, "nvmlDeviceGetP2PStatus"));
    shutdown = reinterpret_cast<int (*)()>(dlsym(lib, "nvmlShutdown"));
    return init && count && byIndex && pci && p2p && shutdown && init() == 0;
  }
};

constexpr int kNvmlP2pCapsNvlink = 2;  // NVML_P2P_CAPS_INDEX_NVLINK
constexpr int kNvmlP2pStatusOk = 0;    // NVML_P2P_STATUS_OK

// NVLink between every pair of this host's GPUs, as NVML's peer-to-peer status tells it.
std::vector<std::string> nvlinkPairs() {
  Nvml nvml;
  std::vector<std::string> links;
  if (!nvml.open()) return links;
  unsigned n = 0;
  nvml.count(&n);
  std::vector<Nvml::Device> dev(n);
  std::vector<std::string> bus(n);
  for (unsigned i = 0; i < n; ++i) {
    Nvml::PciInfo info{};
    if (nvml.byIndex(i, &dev[i]) == 0 && nvml.pci(dev[i], &info) == 0) bus[i] = info.bus_id;
  }
  for (unsigned a = 0; a < n; ++a) {
    for (unsigned b = a + 1; b < n; ++b) {
      int status = -1;
      if (nvml.p2p(dev[a], dev[b], kNvmlP2pCapsNvlink, &status) != 0) continue;
      links.push_back(bus[a] + " - " + bus[b] +
                      (status == kNvmlP2pStatusOk ? ": NVLink" : ": no NVLink"));
    }
  }
  nvml.shutdown();
  return links;
}

}  // namespace

std::string cpuModelFromCpuinfo(const std::string& cpuinfo) {
  std::string model = fieldValue(cpuinfo, "model name");
  if (model.empty()) model = fieldValue(cpuinfo, "Model");  // Arm
  return model.empty() ? "unknown" : model;
}

std::string gpuModelFromInformation(const std::string& information) {
  std::string model = fieldValue(information, "Model");
  return model.empty() ? "unknown NVIDIA GPU" : model;
}

std::vector<std::uint64_t> tcpBufferLimits(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::uint64_t> limits(3);
  for (auto& v : limits) {
    if (!(in >> v)) return {};
  }
  return limits;
}

std::uint64_t availableMemoryBytes() {
  std::istringstream in(fieldValue(readFile("/proc/meminfo"), "MemAvailable"));
  std::uint64_t kib = 0;
  return (in >> kib) ? kib * 1024 : 0;
}

HostInfo describeThisHost(const std::string& hostname) {
  HostInfo h;
  h.name = hostname;
  h.cpu_model = cpuModelFromCpuinfo(readFile("/proc/cpuinfo"));
  h.cpus = static_cast<int>(std::thread::hardware_concurrency());
  h.nics = networkInterfaces();
  h.gpus = nvidiaGpus();
  if (h.gpus.size() > 1) h.gpu_links = nvlinkPairs();
  std::istringstream cc(readFile("/proc/sys/net/ipv4/tcp_congestion_control"));
  cc >> h.tcp_congestion_control;
  h.tcp_wmem = tcpBufferLimits(readFile("/proc/sys/net/ipv4/tcp_wmem"));
  h.tcp_rmem = tcpBufferLimits(readFile("/proc/sys/net/ipv4/tcp_rmem"));
  return h;
}

std::vector<int> gatherHostIds(Bootstrap& boot, const std::string& host_key) {
  std::vector<std::string> keys;
  std::vector<int> ids;
  for (const auto& key : allgatherStrings(boot, host_key)) {
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) it = keys.insert(keys.end(), key);
    ids.push_back(static_cast<int>(it - keys.begin()));
  }
  return ids;
}

std::vector<HostInfo> gatherHosts(Bootstrap& boot, const std::vector<int>& host_ids) {
  HostInfo me = describeThisHost(boot.hostname());
  me.ranks = 1;  // this rank; the host's count is made from rank_list below
  const std::string mine = toJson(me).dump();
  std::vector<HostInfo> hosts;
  int rank = 0;
  for (const auto& text : allgatherStrings(boot, mine)) {
    const auto id = static_cast<std::size_t>(host_ids[static_cast<std::size_t>(rank)]);
    if (id == hosts.size()) {
      hosts.push_back(hostFromJson(nlohmann::json::parse(text), "rank " + std::to_string(rank)));
    }
    hosts[id].rank_list.push_back(rank++);
    hosts[id].ranks = static_cast<int>(hosts[id].rank_list.size());
  }
  return hosts;
}

}  // namespace collbench
