#include "harness/gpu.h"

#include <stdexcept>

#if COLLBENCH_HAVE_CUDA
#include <cuda_runtime.h>

#include "collectives/reduce/cuda.h"
#endif

namespace collbench {

#if COLLBENCH_HAVE_CUDA

namespace {

class CudaStagingCopier : public StagingCopier {
 public:
  std::shared_ptr<std::byte> allocateHost(std::size_t bytes) override {
    void* p = nullptr;
    throwIfCudaFailed(cudaHostAlloc(&p, std::max<std::size_t>(bytes, 1), cudaHostAllocDefault),
                      "cudaHostAlloc (staging buffer)");
    return std::shared_ptr<std::byte>(static_cast<std::byte*>(p),
                                      [](std::byte* q) { cudaFreeHost(q); });
  }
  void copy(void* dst, const void* src, std::size_t bytes) override {
    if (bytes) throwIfCudaFailed(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault), "cudaMemcpy");
  }
};

cudaEvent_t event(void* e) { return static_cast<cudaEvent_t>(e); }

}  // namespace

bool cudaBuiltIn() { return true; }

int cudaDevices(std::string* why) {
  int n = 0;
  const cudaError_t rc = cudaGetDeviceCount(&n);
  if (rc != cudaSuccess) {
    if (why) *why = cudaGetErrorString(rc);
    return 0;
  }
  if (n == 0 && why) *why = "no device";
  return n;
}

void selectCudaDevice(int device) {
  throwIfCudaFailed(cudaSetDevice(device),
                    ("cudaSetDevice(" + std::to_string(device) + ")").c_str());
}

std::string currentCudaDevice() {
  int dev = 0;
  throwIfCudaFailed(cudaGetDevice(&dev), "cudaGetDevice");
  cudaDeviceProp prop{};
  throwIfCudaFailed(cudaGetDeviceProperties(&prop, dev), "cudaGetDeviceProperties");
  char bus[32] = {};
  cudaDeviceGetPCIBusId(bus, sizeof bus, dev);
  return std::string(prop.name) + " (" + bus + ")";
}

const MemoryOps& deviceMemoryOps() { return cudaMemoryOps(); }

std::unique_ptr<StagingCopier> makeCudaStagingCopier() {
  return std::make_unique<CudaStagingCopier>();
}

CudaEventTimer::CudaEventTimer() {
  cudaEvent_t a, b;
  throwIfCudaFailed(cudaEventCreate(&a), "cudaEventCreate");
  throwIfCudaFailed(cudaEventCreate(&b), "cudaEventCreate");
  start_ = a, stop_ = b;
}

CudaEventTimer::~CudaEventTimer() {
  cudaEventDestroy(event(start_));
  cudaEventDestroy(event(stop_));
}

void CudaEventTimer::start() {
  throwIfCudaFailed(cudaEventRecord(event(start_), 0), "cudaEventRecord");
}
void CudaEventTimer::stop() {
  throwIfCudaFailed(cudaEventRecord(event(stop_), 0), "cudaEventRecord");
}

double CudaEventTimer::elapsedMicroseconds() {
  throwIfCudaFailed(cudaEventSynchronize(event(stop_)), "cudaEventSynchronize");
  float ms = 0;
  throwIfCudaFailed(cudaEventElapsedTime(&ms, event(start_), event(stop_)), "cudaEventElapsedTime");
  return static_cast<double>(ms) * 1000.0;
}

#else  // built without CUDA

namespace {
[[noreturn]] void noCuda() {
  throw std::runtime_error("collbench was built without CUDA (COLLBENCH_WITH_NCCL)");
}
}  // namespace

bool cudaBuiltIn() { return false; }
int cudaDevices(std::string* why) {
  if (why) *why = "collbench was built without CUDA";
  return 0;
}
void selectCudaDevice(int) { noCuda(); }
std::string currentCudaDevice() { noCuda(); }
const MemoryOps& deviceMemoryOps() { noCuda(); }
std::unique_ptr<StagingCopier> makeCudaStagingCopier() { noCuda(); }
CudaEventTimer::CudaEventTimer() { noCuda(); }
CudaEventTimer::~CudaEventTimer() = default;
void CudaEventTimer::start() {}
void CudaEventTimer::stop() {}
double CudaEventTimer::elapsedMicroseconds() { return 0; }

#endif

}  // namespace collbench
