#include "collectives/native/gloo.h"

#include <gloo/allreduce.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/tcp/device.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "collectives/native/mpi.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

// Gloo's rendezvous store over MPI. Every rank calls set() for its own key at the same point
// of Gloo's connection setup, so set() is collective here: an MPI_Allgatherv shares every
// rank's key and value, and get()/wait() read the table. A key that was never shared is an
// error (waiting for it would wait forever).
class MpiStore : public gloo::rendezvous::Store {
 public:
  explicit MpiStore(MPI_Comm comm) : comm_(comm) {}

  void set(const std::string& key, const std::vector<char>& data) override {
    std::string entry = key;
    entry.push_back('\0');
    entry.append(data.begin(), data.end());
    for (auto& [k, v] : allgather(entry)) table_[k] = std::move(v);
  }
  std::vector<char> get(const std::string& key) override {
    auto it = table_.find(key);
    if (it == table_.end())
      throw std::runtime_error("gloo rendezvous: no rank set key '" + key + "'");
    return it->second;
  }
  void wait(const std::vector<std::string>& keys) override {
    for (const auto& k : keys) get(k);
  }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds&) override {
    wait(keys);
  }

 private:
  std::vector<std::pair<std::string, std::vector<char>>> allgather(const std::string& mine) {
    int n = 0;
    MPI_Comm_size(comm_, &n);
    int len = static_cast<int>(mine.size());
    std::vector<int> lens(n), offsets(n);
    MPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, comm_);
    int total = 0;
    for (int r = 0; r < n; ++r) offsets[r] = total, total += lens[r];
    std::vector<char> all(static_cast<std::size_t>(total));
    MPI_Allgatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR,
                   comm_);
    std::vector<std::pair<std::string, std::vector<char>>> out;
    for (int r = 0; r < n; ++r) {
      const char* p = all.data() + offsets[r];
      std::string key(p);
      out.emplace_back(key, std::vector<char>(p + key.size() + 1, p + lens[r]));
    }
    return out;
  }

  MPI_Comm comm_;
  std::map<std::string, std::vector<char>> table_;
};

std::shared_ptr<gloo::transport::Device> makeDevice() {
  gloo::transport::tcp::attr attr;
  if (const char* iface = std::getenv("GLOO_SOCKET_IFNAME"); iface && *iface) {
    attr.iface = iface;
  } else {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    attr.hostname = host;
  }
  return gloo::transport::tcp::CreateDevice(attr);
}

// Gloo needs only the element size (it cuts segments on element boundaries); the reduce
// function knows the type. T is an unsigned integer of that size.
template <typename T>
void setBuffersAs(gloo::AllreduceOptions& opts, const CollArgs& args) {
  if (!args.inPlace()) opts.setInput(static_cast<T*>(const_cast<void*>(args.send)), args.count);
  opts.setOutput(static_cast<T*>(args.recv), args.count);
}

void setBuffers(gloo::AllreduceOptions& opts, const CollArgs& args) {
  switch (dtypeSize(args.dtype)) {
    case 1:
      return setBuffersAs<std::uint8_t>(opts, args);
    case 2:
      return setBuffersAs<std::uint16_t>(opts, args);
    case 4:
      return setBuffersAs<std::uint32_t>(opts, args);
    default:
      return setBuffersAs<std::uint64_t>(opts, args);
  }
}

class GlooAllreduce : public Algorithm {
 public:
  explicit GlooAllreduce(GlooAlgorithm which) : which_(which) {}

  std::string name() const override {
    return which_ == GlooAlgorithm::kRing ? "gloo-ring" : "gloo-bcube";
  }
  std::string description() const override {
    return which_ == GlooAlgorithm::kRing
               ? "Gloo's ring all-reduce over Gloo's TCP transport (baseline)"
               : "Gloo's bcube all-reduce over Gloo's TCP transport (baseline)";
  }
  bool usesTransport() const override { return false; }
  bool supports(const Communicator& comm, const CollArgs&) const override {
    int initialized = 0, world = 0;
    MPI_Initialized(&initialized);
    if (!initialized || comm.memoryKind() != MemoryKind::kHost) return false;
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    return comm.size() <= world;
  }
  void run(Communicator& comm, const CollArgs& args) override {
    if (!context_) connect(comm);
    gloo::AllreduceOptions opts(context_);
    opts.setAlgorithm(which_ == GlooAlgorithm::kRing ? gloo::AllreduceOptions::Algorithm::RING
                                                     : gloo::AllreduceOptions::Algorithm::BCUBE);
    setBuffers(opts, args);
    opts.setReduceFunction(
        [dtype = args.dtype, op = args.op](void* d, const void* a, const void* b, size_t n) {
          reduce(dtype, op, d, a, b, n);  // n elements
        });
    opts.setTag(tag_++);
    gloo::allreduce(opts);
    if (args.op == ReduceOp::kAvg) finishAverage(args.dtype, args.recv, args.count, comm.size());
  }

 private:
  void connect(Communicator& comm) {
    auto device = makeDevice();
    auto ctx = std::make_shared<gloo::rendezvous::Context>(comm.rank(), comm.size());
    ctx->setTimeout(comm.options().timeout);
    MpiStore store(mpiCommOf(comm));
    ctx->connectFullMesh(store, device);
    context_ = ctx;
  }

  GlooAlgorithm which_;
  std::shared_ptr<gloo::Context> context_;
  std::uint32_t tag_ = 0;
};

}  // namespace

std::unique_ptr<Algorithm> makeGlooAllreduce(GlooAlgorithm which) {
  return std::make_unique<GlooAllreduce>(which);
}

}  // namespace collbench
