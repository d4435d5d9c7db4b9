// The real NCCL behind NcclTransport (built only with NCCL and CUDA).
#include <cuda_runtime.h>
#include <nccl.h>

#include <cstring>
#include <vector>

#include "transports/nccl/transport.h"

namespace collbench {
namespace {

void check(ncclResult_t rc, const char* what) {
  if (rc == ncclSuccess || rc == ncclInProgress) return;
  throw TransportError(std::string("NCCL ") + what + ": " + ncclGetErrorString(rc) + " (" +
                       ncclGetLastError(nullptr) + ")");
}

void check(cudaError_t rc, const char* what) {
  if (rc != cudaSuccess) throw TransportError(std::string(what) + ": " + cudaGetErrorString(rc));
}

// What the groups share with the backend; a group may outlive the backend (a request kept
// after its transport), and then only frees its event.
struct Lanes {
  std::vector<ncclComm_t> comms;
  std::vector<cudaEvent_t> free_events;
  bool alive = true;

  // Throws when a communicator reports an asynchronous error (a peer gone, a network error).
  void checkAsyncErrors() const {
    for (ncclComm_t c : comms) {
      ncclResult_t async = ncclSuccess;
      check(ncclCommGetAsyncError(c, &async), "ncclCommGetAsyncError");
      if (async != ncclSuccess && async != ncclInProgress) {
        throw TransportError(std::string("NCCL asynchronous error: ") + ncclGetErrorString(async) +
                             " (" + ncclGetLastError(c) + ")");
      }
    }
  }
};

// A CUDA event recorded behind one group; back to the pool when the group is dropped.
class EventGroup : public NcclGroup {
 public:
  EventGroup(std::shared_ptr<Lanes> lanes, cudaEvent_t event)
      : lanes_(std::move(lanes)), event_(event) {}
  ~EventGroup() override {
    if (lanes_->alive) {
      lanes_->free_events.push_back(event_);
    } else {
      cudaEventDestroy(event_);
    }
  }
  bool done() override {
    if (!lanes_->alive) throw TransportError("NCCL group polled after its transport closed");
    const cudaError_t rc = cudaEventQuery(event_);
    if (rc == cudaSuccess) return true;
    if (rc != cudaErrorNotReady) check(rc, "cudaEventQuery");
    lanes_->checkAsyncErrors();
    return false;
  }

 private:
  std::shared_ptr<Lanes> lanes_;
  cudaEvent_t event_;
};

class Comms : public NcclBackend {
 public:
  explicit Comms(Bootstrap& boot) {
    std::vector<ncclUniqueId> ids(kNcclLanes),
        all(static_cast<std::size_t>(kNcclLanes) * static_cast<std::size_t>(boot.size()));
    if (boot.rank() == 0) {
      for (auto& id : ids) check(ncclGetUniqueId(&id), "ncclGetUniqueId");
    }
    boot.allgather(ids.data(), sizeof(ncclUniqueId) * ids.size(), all.data());  // rank 0's
    check(cudaStreamCreate(&stream_), "cudaStreamCreate");
    check(cudaMalloc(&sync_byte_, 1), "cudaMalloc");
    lanes_->comms.resize(kNcclLanes);
    check(ncclGroupStart(), "ncclGroupStart");
    for (int l = 0; l < kNcclLanes; ++l) {
      check(ncclCommInitRank(&lanes_->comms[l], boot.size(), all[l], boot.rank()),
            "ncclCommInitRank");
    }
    check(ncclGroupEnd(), "ncclGroupEnd (communicator set-up)");
  }

  ~Comms() override {
    // A group still running (a timed-out wait) would hang ncclCommDestroy: abort instead.
    const bool idle = cudaStreamQuery(stream_) == cudaSuccess;
    for (ncclComm_t c : lanes_->comms) idle ? ncclCommDestroy(c) : ncclCommAbort(c);
    for (cudaEvent_t e : lanes_->free_events) cudaEventDestroy(e);
    lanes_->alive = false;
    cudaFree(sync_byte_);
    cudaStreamDestroy(stream_);
  }

  int lanes() const override { return kNcclLanes; }
  std::vector<MemoryKind> memoryKinds() const override { return {MemoryKind::kCuda}; }
  std::string provider() const override { return "NCCL " + ncclLibraryVersion(); }
  void begin() override { check(ncclGroupStart(), "ncclGroupStart"); }
  void send(int lane, int peer, const void* data, std::size_t bytes) override {
    check(ncclSend(data, bytes, ncclUint8, peer, lanes_->comms[lane], stream_), "ncclSend");
  }
  void recv(int lane, int peer, void* data, std::size_t bytes) override {
    check(ncclRecv(data, bytes, ncclUint8, peer, lanes_->comms[lane], stream_), "ncclRecv");
  }
  std::shared_ptr<NcclGroup> end() override {
    check(ncclGroupEnd(), "ncclGroupEnd");
    cudaEvent_t event = takeEvent();
    check(cudaEventRecord(event, stream_), "cudaEventRecord");
    return std::make_shared<EventGroup>(lanes_, event);
  }
  void* syncByte() override { return sync_byte_; }

 private:
  cudaEvent_t takeEvent() {
    auto& pool = lanes_->free_events;
    if (pool.empty()) {
      cudaEvent_t e;
      check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
      return e;
    }
    cudaEvent_t e = pool.back();
    pool.pop_back();
    return e;
  }

  std::shared_ptr<Lanes> lanes_ = std::make_shared<Lanes>();
  cudaStream_t stream_ = nullptr;
  void* sync_byte_ = nullptr;
};

}  // namespace

std::unique_ptr<NcclBackend> makeNcclBackend(Bootstrap& boot) {
  return std::make_unique<Comms>(boot);
}

std::string ncclLibraryVersion() {
  int v = 0;
  if (ncclGetVersion(&v) != ncclSuccess) return "unknown";
  // NCCL_VERSION_CODE: major * 10000 + minor * 100 + patch since 2.9.
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
         std::to_string(v % 100);
}

}  // namespace collbench
