// What the harness needs of CUDA: whether it was built in, the devices, choosing one, the
// memory operations of device buffers, pinned-host staging copies, and CUDA-event timers.
// Without CUDA (COLLBENCH_WITH_NCCL found none) every function behaves as on a host with no
// device: cudaBuiltIn() is false, cudaDevices() is 0, the rest throw std::runtime_error.
#pragma once

#include <memory>
#include <string>

#include "collectives/api/memory_ops.h"
#include "transports/staging/transport.h"

namespace collbench {

bool cudaBuiltIn();

// Devices this process can see (CUDA_VISIBLE_DEVICES applies); 0 when none, or no driver.
// `why` (optional) receives CUDA's reason when it is 0.
int cudaDevices(std::string* why = nullptr);

// Makes `device` current for this process's thread. Throws naming CUDA's error.
void selectCudaDevice(int device);

// The current device's model and PCI bus id, "NVIDIA H100 80GB HBM3 (0000:18:00.0)".
std::string currentCudaDevice();

const MemoryOps& deviceMemoryOps();

// Copies for StagingTransport: pinned host buffers (cudaHostAlloc) and cudaMemcpy.
std::unique_ptr<StagingCopier> makeCudaStagingCopier();

// Times work on the device: start() and stop() record CUDA events on the legacy default
// stream, which waits for the work of every blocking stream (those the NCCL transport, the
// kernels and the NCCL baseline use), so the span covers everything issued in between.
class CudaEventTimer {
 public:
  CudaEventTimer();
  ~CudaEventTimer();
  CudaEventTimer(const CudaEventTimer&) = delete;
  CudaEventTimer& operator=(const CudaEventTimer&) = delete;
  void start();
  void stop();
  double elapsedMicroseconds();  // blocks until the stop event has happened

 private:
  void* start_ = nullptr;
  void* stop_ = nullptr;
};

}  // namespace collbench
