#include "collectives/native/gloo.h"

#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/alltoall.h>
#include <gloo/broadcast.h>
#include <gloo/reduce.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/tcp/device.h>
#include <netdb.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "collectives/api/collective.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

// Gloo's rendezvous store over our bootstrap. Every rank calls set() for its own key at the
// same point of Gloo's connection setup, so set() is collective here: an allgather shares every
// rank's key and value, and get()/wait() read the table. A key that was never shared is an
// error (waiting for it would wait forever).
class BootstrapStore : public gloo::rendezvous::Store {
 public:
  explicit BootstrapStore(Bootstrap& boot) : boot_(boot) {}

  void set(const std::string& key, const std::vector<char>& data) override {
    std::string entry = key;
    entry.push_back('\0');
    entry.append(data.begin(), data.end());
    for (const std::string& e : allgatherStrings(boot_, entry)) {
      const std::string k(e.c_str());
      table_[k] = std::vector<char>(e.begin() + static_cast<std::ptrdiff_t>(k.size() + 1), e.end());
    }
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
  Bootstrap& boot_;
  std::map<std::string, std::vector<char>> table_;
};

// Gloo's CreateDevice dereferences a null address list when the host name does not resolve
// (a crash, not an error), so the name is resolved here first.
void requireResolvable(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (found) freeaddrinfo(found);
  if (rc != 0 || !found) {
    throw std::runtime_error("gloo: this host's name '" + host + "' does not resolve (" +
                             gai_strerror(rc) +
                             "); set GLOO_SOCKET_IFNAME to the interface Gloo should use");
  }
}

std::shared_ptr<gloo::transport::Device> makeDevice() {
  gloo::transport::tcp::attr attr;
  if (const char* iface = std::getenv("GLOO_SOCKET_IFNAME"); iface && *iface) {
    attr.iface = iface;
  } else {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    requireResolvable(host);
    attr.hostname = host;
  }
  return gloo::transport::tcp::CreateDevice(attr);
}

// Gloo needs only the element size (it cuts segments on element boundaries); the reduce
// function knows the type. T is an unsigned integer of that size.
template <typename Options, typename T>
void setBuffersAs(Options& opts, const CollArgs& args, bool input) {
  if (input) opts.setInput(static_cast<T*>(const_cast<void*>(args.send)), args.send_count);
  opts.setOutput(static_cast<T*>(args.recv), args.recv_count);
}

// Sets the output, and the input unless `input` is false (Gloo's in-place form).
template <typename Options>
void setBuffers(Options& opts, const CollArgs& args, bool input) {
  switch (dtypeSize(args.dtype)) {
    case 1:
      return setBuffersAs<Options, std::uint8_t>(opts, args, input);
    case 2:
      return setBuffersAs<Options, std::uint16_t>(opts, args, input);
    case 4:
      return setBuffersAs<Options, std::uint32_t>(opts, args, input);
    default:
      return setBuffersAs<Options, std::uint64_t>(opts, args, input);
  }
}

template <typename Options>
void setReduction(Options& opts, const CollArgs& args) {
  opts.setReduceFunction(
      [dtype = args.dtype, op = args.op](void* d, const void* a, const void* b, size_t n) {
        reduce(dtype, op, d, a, b, n);  // n elements
      });
}

struct GlooCall {
  std::shared_ptr<gloo::Context>& context;
  const CollArgs& args;
  std::uint32_t tag;
};

void glooRingAllreduce(const GlooCall& c, gloo::AllreduceOptions::Algorithm algorithm) {
  gloo::AllreduceOptions opts(c.context);
  opts.setAlgorithm(algorithm);
  setBuffers(opts, c.args, !c.args.inPlace());
  setReduction(opts, c.args);
  opts.setTag(c.tag);
  gloo::allreduce(opts);
}

void glooAllreduceRing(const GlooCall& c) {
  glooRingAllreduce(c, gloo::AllreduceOptions::Algorithm::RING);
}
void glooAllreduceBcube(const GlooCall& c) {
  glooRingAllreduce(c, gloo::AllreduceOptions::Algorithm::BCUBE);
}

void glooAllgather(const GlooCall& c) {
  gloo::AllgatherOptions opts(c.context);
  setBuffers(opts, c.args, !c.args.inPlace());
  opts.setTag(c.tag);
  gloo::allgather(opts);
}

void glooBroadcast(const GlooCall& c) {
  gloo::BroadcastOptions opts(c.context);
  setBuffers(opts, c.args, c.context->rank == c.args.root && !c.args.inPlace());
  opts.setRoot(c.args.root);
  opts.setTag(c.tag);
  gloo::broadcast(opts);
}

void glooReduce(const GlooCall& c) {
  gloo::ReduceOptions opts(c.context);
  setBuffers(opts, c.args, !c.args.inPlace());
  setReduction(opts, c.args);
  opts.setRoot(c.args.root);
  opts.setTag(c.tag);
  gloo::reduce(opts);
}

void glooAlltoall(const GlooCall& c) {
  gloo::AlltoallOptions opts(c.context);
  setBuffers(opts, c.args, true);
  opts.setTag(c.tag);
  gloo::alltoall(opts);
}

using GlooFn = void (*)(const GlooCall& call);

class GlooCollective : public Algorithm {
 public:
  GlooCollective(std::string collective, std::string name, std::string what, GlooFn fn)
      : collective_(std::move(collective)),
        name_(std::move(name)),
        what_(std::move(what)),
        fn_(fn) {}

  std::string name() const override { return name_; }
  std::string collective() const override { return collective_; }
  std::string description() const override {
    return "Gloo's " + what_ + " over Gloo's TCP transport (baseline)";
  }
  std::string library() const override { return "gloo"; }
  std::vector<MemoryKind> memoryKinds() const override { return {MemoryKind::kHost}; }
  bool supports(const Communicator& comm, const CollArgs& args) const override {
    if (!comm.bootstrap() || comm.memoryKind() != MemoryKind::kHost) return false;
    // Gloo's alltoall has no in-place form; its allgather divides by zero on empty parts.
    return !(fn_ == glooAlltoall && args.inPlace()) && args.send_count > 0 && args.recv_count > 0;
  }
  void run(Communicator& comm, const CollArgs& args) override {
    if (!context_) connect(comm);
    fn_(GlooCall{context_, args, tag_++});
    const bool has_result = describeCollective(collective_).hasResult(args, comm.rank());
    if (args.op == ReduceOp::kAvg && has_result) {
      finishAverage(args.dtype, args.recv, args.recv_count, comm.size());
    }
  }

 private:
  void connect(Communicator& comm) {
    auto device = makeDevice();
    auto ctx = std::make_shared<gloo::rendezvous::Context>(comm.rank(), comm.size());
    ctx->setTimeout(comm.options().timeout);
    BootstrapStore store(*comm.bootstrap());
    ctx->connectFullMesh(store, device);
    context_ = ctx;
  }

  std::string collective_, name_, what_;
  GlooFn fn_;
  std::shared_ptr<gloo::Context> context_;
  std::uint32_t tag_ = 0;
};

}  // namespace

std::vector<std::unique_ptr<Algorithm>> makeGlooCollectives() {
  static const std::tuple<const char*, const char*, const char*, GlooFn> calls[] = {
      {"all_reduce", "gloo-ring", "ring all-reduce", glooAllreduceRing},
      {"all_reduce", "gloo-bcube", "bcube all-reduce", glooAllreduceBcube},
      {"all_gather", "gloo", "allgather", glooAllgather},
      {"broadcast", "gloo", "broadcast", glooBroadcast},
      {"reduce", "gloo", "reduce", glooReduce},
      {"alltoall", "gloo", "alltoall", glooAlltoall},
  };
  std::vector<std::unique_ptr<Algorithm>> out;
  for (const auto& [collective, name, what, fn] : calls) {
    out.push_back(std::make_unique<GlooCollective>(collective, name, what, fn));
  }
  return out;
}

}  // namespace collbench
