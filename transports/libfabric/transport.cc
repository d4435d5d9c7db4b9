#include "transports/libfabric/transport.h"

#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "transports/api/tag.h"
#include "transports/api/tag_sequences.h"
#include "transports/libfabric/domain.h"
#include "transports/libfabric/library.h"

#if COLLBENCH_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace collbench {
namespace {

constexpr int kSeqBits = TagLayout::kSequenceBits;  // transports/api/tag.h
constexpr std::uint64_t kSeqMask = (1ull << kSeqBits) - 1;
constexpr std::size_t kMaxName = 256;

// Every fid is owned by a unique_ptr whose deleter calls fi_close, so no error path leaks an
// endpoint, queue or registration.
template <typename T>
struct FidCloser {
  void operator()(T* p) const {
    if (p) fi_close(&p->fid);
  }
};
template <typename T>
using FidPtr = std::unique_ptr<T, FidCloser<T>>;

struct InfoFree {
  void operator()(fi_info* p) const { fabricLibrary().freeinfo(p); }
};
using InfoPtr = std::unique_ptr<fi_info, InfoFree>;

std::string fiError(const std::string& what, int rc) {
  return what + ": " + fabricLibrary().strerror(rc < 0 ? -rc : rc) + " (" + std::to_string(rc) +
         ")";
}

void check(int rc, const std::string& what) {
  if (rc != 0) throw TransportError("libfabric: " + fiError(what, rc));
}

// Hints for FI_EP_RDM with tagged messages, with every mode bit and memory-registration mode
// we are able to honour: EFA asks for FI_CONTEXT2 and FI_MR_LOCAL | FI_MR_VIRT_ADDR |
// FI_MR_ALLOCATED | FI_MR_PROV_KEY (and FI_MR_HMEM for device memory).
InfoPtr makeHints(const std::string& provider, bool hmem) {
  InfoPtr hints(fabricLibrary().dupinfo(nullptr));  // fi_allocinfo()
  hints->ep_attr->type = FI_EP_RDM;
  // FI_DIRECTED_RECV: a receive matches only its source's messages (else src_addr is ignored).
  hints->caps = FI_TAGGED | FI_DIRECTED_RECV | (hmem ? FI_HMEM : 0);
  hints->mode = FI_CONTEXT | FI_CONTEXT2;
  hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY |
                                FI_MR_ENDPOINT | (hmem ? FI_MR_HMEM : 0);
  hints->domain_attr->threading = FI_THREAD_DOMAIN;
  if (!provider.empty()) hints->fabric_attr->prov_name = strdup(provider.c_str());
  return hints;
}

// Every info the provider offers, or null when it offers none.
InfoPtr getInfo(const std::string& provider, bool hmem) {
  InfoPtr hints = makeHints(provider, hmem);
  fi_info* info = nullptr;
  int rc = fabricLibrary().getinfo(FI_VERSION(1, 9), nullptr, nullptr, 0, hints.get(), &info);
  if (rc == -FI_ENODATA) return nullptr;
  check(rc, "fi_getinfo(" + provider + ")");
  return InfoPtr(info);
}

// What a provider lacks of the Transport contract, found by the conformance tests here
// (docs/EFA.md lists the providers tried and what each lacks).
std::string knownLimitations(const std::string& prov_name) {
  if (prov_name.find("ofi_rxd") != std::string::npos) {
    return "a message larger than its receive is cut short without an error (ofi_rxd does not "
           "report FI_ETRUNC); collbench's algorithms post exact sizes and every element is "
           "checked, so a cut shows as wrong elements";
  }
  return "";
}

struct Piece;

struct FabricRequest : RequestState {
  using RequestState::RequestState;
  std::size_t pieces_left = 0;
};

// One fi_tsend/fi_trecv: its context (owned here until completion, as FI_CONTEXT2 requires)
// and what is needed to post it again when the provider said -FI_EAGAIN.
struct Piece {
  fi_context2 ctx{};
  std::shared_ptr<FabricRequest> req;
  OpKind kind = OpKind::kSend;
  int peer = 0;
  std::uint64_t wire_tag = 0;
  std::byte* buf = nullptr;
  std::size_t len = 0;
  void* desc = nullptr;
  std::size_t rail = 0;
};

// A registration, one per rail where the provider asks for them (none where it does not),
// closed under the transport's mutex (the idle-progress thread may be in the provider at the
// time); one with a provider registration must not outlive its transport.
class FabricRegion : public MemoryRegion {
 public:
  FabricRegion(void* data, std::size_t bytes, MemoryKind kind, std::vector<FidPtr<fid_mr>> mrs,
               std::mutex& mu)
      : MemoryRegion(data, bytes, kind), mrs_(std::move(mrs)), mu_(mu) {}
  ~FabricRegion() override {
    if (mrs_.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    mrs_.clear();
  }
  // The descriptor of the registration on `rail`; null where none was needed.
  void* desc(std::size_t rail) const {
    return rail < mrs_.size() ? fi_mr_desc(mrs_[rail].get()) : nullptr;
  }

 private:
  std::vector<FidPtr<fid_mr>> mrs_;
  std::mutex& mu_;
};

// One endpoint on one domain (NIC), with its completion queue, its address vector and the
// peers' addresses on it. A rank with several rails stripes its messages over them
// (LibfabricOptions::rails); the endpoints of rail r of every rank talk to each other.
struct Rail {
  fi_info* info = nullptr;  // the chosen entry of the provider's list
  FidPtr<fid_domain> domain;
  FidPtr<fid_cq> cq;
  FidPtr<fid_av> av;
  FidPtr<fid_ep> ep;
  std::vector<fi_addr_t> addrs;
  int wait_fd = -1;                // the completion queue's wait object, when blocking
  std::uint64_t bytes_posted = 0;  // sends and receives posted on it
};

}  // namespace

std::string libfabricVersion() {
  const std::uint32_t v = fabricLibrary().version();
  return std::to_string(FI_MAJOR(v)) + "." + std::to_string(FI_MINOR(v));
}

std::string libfabricProviders() {
  InfoPtr all = getInfo("", false);
  std::set<std::string> names;
  for (fi_info* i = all.get(); i; i = i->next) names.insert(i->fabric_attr->prov_name);
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

struct LibfabricTransport::Impl {
  Impl(Bootstrap& boot, LibfabricOptions opts);
  ~Impl();

  void open(const std::string& provider);
  void openDomain(Rail& rail);
  void openQueues(Rail& rail);
  void openEndpoint(Rail& rail);
  void describeProvider();
  FidPtr<fid_mr> registerOn(Rail& rail, void* data, std::size_t bytes, bool device);
  void exchangeAddresses(Bootstrap& boot);
  Request post(OpKind kind, int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
               std::size_t bytes);
  int postPiece(Piece& piece);
  void submit(std::unique_ptr<Piece> piece);
  void settle(std::unique_ptr<Piece> piece, int rc);
  bool retryBacklog();
  bool progress();  // true when something completed or was posted
  bool readCompletions(Rail& rail);
  void complete(void* ctx);
  void fail(const fi_cq_err_entry& err, fid_cq* cq);
  void waitForCompletion(Deadline deadline);

  LibfabricOptions opts;
  int rank = 0, size = 0;
  TransportProps props;
  InfoPtr infos;
  fi_info* info = nullptr;  // the first rail's entry of infos: what every rail's provider offers
  FidPtr<fid_fabric> fabric;
  std::vector<Rail> rails;
  std::vector<fid*> wait_fids;   // every rail's completion queue, for fi_trywait
  std::vector<pollfd> wait_fds;  // and its wait object (fd -1: none), for poll()
  std::vector<std::string> hosts;
  std::vector<TagSequences> send_seq, recv_seq;
  std::unordered_map<void*, std::unique_ptr<Piece>> inflight;
  std::deque<std::unique_ptr<Piece>> backlog;  // refused with -FI_EAGAIN, posted by progress()

  // Progress between calls. With FI_PROGRESS_MANUAL the provider moves data only inside our
  // calls; a provider whose reliability is in software (udp;ofi_rxd) must still answer a
  // peer's retransmission after our last receive completed, while this rank waits elsewhere
  // (a barrier, the next size's MPI bookkeeping): else the peer's send never completes. A
  // thread reads the completion queue every millisecond once no wait() has run since its last
  // look, keeping what it reads for the next progress(); while waits keep coming it sleeps up
  // to 16 ms (idleProgress). `mu` serialises every libfabric call (FI_THREAD_DOMAIN).
  void startIdleProgress();
  void idleProgress();
  bool idleSleep(std::chrono::milliseconds period);  // false once stopping
  std::mutex mu;
  std::vector<void*> stashed;  // contexts of completions the idle thread read
  std::atomic<bool> in_wait{false};
  std::atomic<std::uint64_t> waits{0};  // progressUntil calls so far
  bool stopping = false;                // under stop_mu
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  std::thread idle;
};

LibfabricTransport::Impl::Impl(Bootstrap& boot, LibfabricOptions o) : opts(std::move(o)) {
  rank = boot.rank();
  size = boot.size();
  hosts = allgatherStrings(boot, boot.hostname());
  std::string provider = opts.provider;
  if (provider == "auto") provider = getInfo("efa", opts.hmem) ? "efa" : "tcp";
  open(provider);
  exchangeAddresses(boot);
  send_seq.resize(size);
  recv_seq.resize(size);
  startIdleProgress();
}

LibfabricTransport::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> lock(stop_mu);
    stopping = true;
  }
  stop_cv.notify_all();
  if (idle.joinable()) idle.join();
  for (Rail& r : rails) r.ep.reset();  // endpoints first: they may reference pieces' contexts
  inflight.clear();
}

void LibfabricTransport::Impl::open(const std::string& provider) {
  infos = getInfo(provider, opts.hmem);
  if (!infos) {
    const std::string which =
        provider.empty() ? "no provider allowed by FI_PROVIDER" : "provider '" + provider + "'";
    throw TransportError("libfabric: " + which +
                         " offers no reliable tagged endpoint (FI_EP_RDM, FI_TAGGED, "
                         "FI_DIRECTED_RECV) on this host; providers present: " +
                         libfabricProviders());
  }
  const int count = std::max(1, opts.rails);
  rails.resize(static_cast<std::size_t>(count));
  for (int r = 0; r < count; ++r) {  // rail r of local rank i: device i * count + r
    rails[r].info = pickDomain(infos.get(), opts.local_rank * count + r);
  }
  info = rails[0].info;
  fid_fabric* f = nullptr;
  check(fabricLibrary().fabric(info->fabric_attr, &f, nullptr), "fi_fabric");
  fabric.reset(f);
  for (Rail& rail : rails) {
    openDomain(rail);
    openQueues(rail);
    openEndpoint(rail);
    wait_fids.push_back(&rail.cq->fid);
    wait_fds.push_back({rail.wait_fd, POLLIN, 0});
  }
  describeProvider();
}

void LibfabricTransport::Impl::openDomain(Rail& rail) {
  fid_domain* d = nullptr;
  check(fi_domain(fabric.get(), rail.info, &d, nullptr), "fi_domain");
  rail.domain.reset(d);
}

void LibfabricTransport::Impl::openQueues(Rail& rail) {
  fi_cq_attr cq_attr{};
  cq_attr.format = FI_CQ_FORMAT_TAGGED;
  cq_attr.size = 4096;
  // Blocking progress sleeps on the queue's file descriptor (FI_WAIT_FD) where the provider
  // has one; otherwise it polls with short sleeps.
  cq_attr.wait_obj = opts.blocking_progress ? FI_WAIT_FD : FI_WAIT_NONE;
  fid_cq* c = nullptr;
  int rc = fi_cq_open(rail.domain.get(), &cq_attr, &c, nullptr);
  if (rc != 0 && opts.blocking_progress) {
    cq_attr.wait_obj = FI_WAIT_NONE;
    rc = fi_cq_open(rail.domain.get(), &cq_attr, &c, nullptr);
  }
  check(rc, "fi_cq_open");
  rail.cq.reset(c);
  if (cq_attr.wait_obj == FI_WAIT_FD) fi_control(&rail.cq->fid, FI_GETWAIT, &rail.wait_fd);
  fi_av_attr av_attr{};
  av_attr.type = FI_AV_TABLE;
  fid_av* a = nullptr;
  check(fi_av_open(rail.domain.get(), &av_attr, &a, nullptr), "fi_av_open");
  rail.av.reset(a);
}

void LibfabricTransport::Impl::openEndpoint(Rail& rail) {
  fid_ep* e = nullptr;
  check(fi_endpoint(rail.domain.get(), rail.info, &e, nullptr), "fi_endpoint");
  rail.ep.reset(e);
  check(fi_ep_bind(rail.ep.get(), &rail.cq->fid, FI_TRANSMIT | FI_RECV), "fi_ep_bind(cq)");
  check(fi_ep_bind(rail.ep.get(), &rail.av->fid, 0), "fi_ep_bind(av)");
  check(fi_enable(rail.ep.get()), "fi_enable");
}

void LibfabricTransport::Impl::describeProvider() {
  props.name = "libfabric";
  props.provider = info->fabric_attr->prov_name ? info->fabric_attr->prov_name : "";
  props.limitations = knownLimitations(props.provider);
  if (opts.hmem && (info->caps & FI_HMEM)) props.memory_kinds.push_back(MemoryKind::kCuda);
  std::set<std::string> counted;  // rails on one device count it once
  for (const Rail& rail : rails) {
    const fi_info* i = rail.info;
    props.devices.push_back(i->domain_attr->name ? i->domain_attr->name : "");
    if (!counted.insert(props.devices.back()).second) continue;
    if (i->nic && i->nic->link_attr && i->nic->link_attr->speed) {
      props.link_gbps += static_cast<double>(i->nic->link_attr->speed) / 1e9;
    }
  }
}

// Every rank's name on every rail; rail k's address vector learns rail k of every rank.
void LibfabricTransport::Impl::exchangeAddresses(Bootstrap& boot) {
  const std::size_t count = rails.size();
  std::vector<char> mine(kMaxName * count), all(kMaxName * count * size);
  for (std::size_t k = 0; k < count; ++k) {
    std::size_t len = kMaxName;
    check(fi_getname(&rails[k].ep->fid, mine.data() + k * kMaxName, &len), "fi_getname");
  }
  boot.allgather(mine.data(), mine.size(), all.data());
  for (std::size_t k = 0; k < count; ++k) {
    Rail& rail = rails[k];
    rail.addrs.assign(size, FI_ADDR_UNSPEC);
    for (int r = 0; r < size; ++r) {  // one at a time: the names sit kMaxName bytes apart
      const char* name = all.data() + (r * count + k) * kMaxName;
      if (fi_av_insert(rail.av.get(), name, 1, &rail.addrs[r], 0, nullptr) != 1) {
        throw TransportError("libfabric " + props.provider +
                             ": fi_av_insert rejected the address of rank " + std::to_string(r) +
                             " (host " + hosts[r] + ")");
      }
    }
  }
}

int LibfabricTransport::Impl::postPiece(Piece& p) {
  Rail& rail = rails[p.rail];
  fid_ep* ep = rail.ep.get();
  const fi_addr_t to = rail.addrs[p.peer];
  if (p.kind == OpKind::kRecv) {
    return static_cast<int>(fi_trecv(ep, p.buf, p.len, p.desc, to, p.wire_tag, 0, &p.ctx));
  }
  if (p.len <= info->tx_attr->inject_size) {  // the provider copies it now; no completion follows
    return static_cast<int>(fi_tinject(ep, p.buf, p.len, to, p.wire_tag));
  }
  return static_cast<int>(fi_tsend(ep, p.buf, p.len, p.desc, to, p.wire_tag, &p.ctx));
}

// Posts a piece, or queues it behind earlier refused ones: -FI_EAGAIN means the provider's
// queues are full until the completion queue is driven, and posting must not block.
void LibfabricTransport::Impl::submit(std::unique_ptr<Piece> piece) {
  const int rc = backlog.empty() ? postPiece(*piece) : -FI_EAGAIN;
  if (rc == -FI_EAGAIN) {
    backlog.push_back(std::move(piece));
  } else {
    settle(std::move(piece), rc);
  }
}

// Bookkeeping after the provider took (rc == 0) or rejected a piece.
void LibfabricTransport::Impl::settle(std::unique_ptr<Piece> piece, int rc) {
  FabricRequest& req = *piece->req;
  if (rc != 0) {
    req.fail("libfabric " + props.provider + ": " +
             fiError(piece->kind == OpKind::kSend ? "fi_tsend" : "fi_trecv", rc));
  } else if (piece->kind == OpKind::kSend && piece->len <= info->tx_attr->inject_size) {
    if (--req.pieces_left == 0 && !req.done) req.complete();  // injected: done already
  } else {
    void* key = &piece->ctx;
    inflight.emplace(key, std::move(piece));
  }
}

// Posts what the provider refused before, in order, until it refuses again.
bool LibfabricTransport::Impl::retryBacklog() {
  bool posted = false;
  while (!backlog.empty()) {
    const int rc = postPiece(*backlog.front());
    if (rc == -FI_EAGAIN) break;
    settle(std::move(backlog.front()), rc);
    backlog.pop_front();
    posted = true;
  }
  return posted;
}

// Splits one operation into pieces of at most max_msg_size (or max_piece_bytes, or with several
// rails stripe_bytes) bytes, each with its own sequence number, and submits them. A piece goes
// on rail (sequence number mod rails): the sender and the receiver number a (peer, tag)'s pieces
// alike, so each piece's send and receive meet on the same rail.
Request LibfabricTransport::Impl::post(OpKind kind, int peer, Tag tag, const MemoryRegion& region,
                                       std::size_t offset, std::size_t bytes) {
  checkPeer(peer, rank, size);
  auto req = std::make_shared<FabricRequest>(kind, peer, tag, bytes);
  std::size_t max_piece = std::max<std::size_t>(1, info->ep_attr->max_msg_size);
  if (opts.max_piece_bytes > 0) max_piece = std::min(max_piece, opts.max_piece_bytes);
  if (rails.size() > 1)
    max_piece = std::min(max_piece, std::max<std::size_t>(1, opts.stripe_bytes));
  const std::size_t pieces = std::max<std::size_t>(1, (bytes + max_piece - 1) / max_piece);
  req->pieces_left = pieces;
  const auto& fabric_region = static_cast<const FabricRegion&>(region);
  auto& seqs = kind == OpKind::kSend ? send_seq[peer] : recv_seq[peer];
  std::vector<std::unique_ptr<Piece>> parts(pieces);
  for (std::size_t p = 0; p < pieces; ++p) {
    const std::size_t off = p * max_piece;
    parts[p] = std::make_unique<Piece>();
    Piece& piece = *parts[p];
    piece.req = req;
    piece.kind = kind;
    piece.peer = peer;
    const std::uint64_t seq = seqs.next(tag);
    piece.wire_tag = (tag << kSeqBits) | (seq & kSeqMask);
    piece.rail = seq % rails.size();
    piece.buf = region.data() + offset + off;
    piece.len = std::min(max_piece, bytes - off);
    piece.desc = fabric_region.desc(piece.rail);
    rails[piece.rail].bytes_posted += piece.len;
  }
  if (opts.reverse_pieces && kind == OpKind::kSend) std::reverse(parts.begin(), parts.end());
  for (auto& piece : parts) {
    if (req->done) break;  // failed: the rest would fail the same way
    submit(std::move(piece));
  }
  return Request(req);
}

void LibfabricTransport::Impl::complete(void* ctx) {
  auto it = inflight.find(ctx);
  if (it == inflight.end()) return;
  auto& req = *it->second->req;
  if (--req.pieces_left == 0 && !req.done) req.complete();
  inflight.erase(it);
}

void LibfabricTransport::Impl::fail(const fi_cq_err_entry& err, fid_cq* cq) {
  auto it = inflight.find(err.op_context);
  char buf[256] = {};
  const char* detail = fi_cq_strerror(cq, err.prov_errno, err.err_data, buf, sizeof buf);
  const std::string why = "libfabric " + props.provider +
                          ": completion error: " + fabricLibrary().strerror(err.err) +
                          " (provider: " + (detail ? detail : "") + ")";
  if (it == inflight.end()) throw TransportError("rank " + std::to_string(rank) + ": " + why);
  auto& req = *it->second->req;
  if (std::abs(err.err) == FI_ETRUNC) {  // some providers report it negated
    const std::string over = err.olen ? " (" + std::to_string(err.olen) + " bytes over)" : "";
    req.fail("message does not fit the " + std::to_string(it->second->len) + "-byte receive" +
             over + " (libfabric " + props.provider + ")");
  } else if (!req.done) {
    const bool peer_lost = err.err == FI_EIO || err.err == FI_ECONNRESET ||
                           err.err == FI_ENOTCONN || err.err == FI_EHOSTUNREACH;
    req.fail(why + "; rank " + std::to_string(req.peer) + " runs on host " + hosts[req.peer],
             peer_lost);
  }
  inflight.erase(it);
}

void LibfabricTransport::Impl::startIdleProgress() {
  if (!opts.idle_progress || info->domain_attr->data_progress != FI_PROGRESS_MANUAL) return;
  idle = std::thread([this] { idleProgress(); });
}

// A turn that finds the transport in use (a wait running, or one since the last turn) doubles
// the sleep, up to 16 ms: the waiting thread progresses itself, and on a 2-core host waking
// every millisecond cost the libfabric tcp ring 10-24% of its rate (docs/PERFORMANCE-NOTES.md).
// The first turn that finds no wait since the last one progresses and goes back to 1 ms, so a
// rank that has left the transport answers its peers within 32 ms, then every millisecond.
void LibfabricTransport::Impl::idleProgress() {
  constexpr std::chrono::milliseconds kShortest{1}, kLongest{16};
  auto period = kShortest;
  std::uint64_t seen = waits;
  while (idleSleep(period)) {
    const std::uint64_t now = waits;
    if (in_wait || now != seen) {
      seen = now;
      period = std::min(2 * period, kLongest);
      continue;
    }
    period = kShortest;
    std::lock_guard<std::mutex> lock(mu);
    fi_cq_tagged_entry entries[16];
    for (Rail& rail : rails) {
      ssize_t n;
      while ((n = fi_cq_read(rail.cq.get(), entries, 16)) > 0) {
        for (ssize_t i = 0; i < n; ++i) stashed.push_back(entries[i].op_context);
      }  // errors (-FI_EAVAIL) stay queued for progress(), which reports them
    }
  }
}

bool LibfabricTransport::Impl::idleSleep(std::chrono::milliseconds period) {
  std::unique_lock<std::mutex> lock(stop_mu);
  return !stop_cv.wait_for(lock, period, [this] { return stopping; });
}

bool LibfabricTransport::Impl::progress() {
  std::lock_guard<std::mutex> lock(mu);
  if (!stashed.empty()) {
    for (void* ctx : stashed) complete(ctx);
    stashed.clear();
    return true;
  }
  bool moved = !backlog.empty() && retryBacklog();
  for (Rail& rail : rails) moved = readCompletions(rail) || moved;
  return moved;
}

// One read of a rail's completion queue; true when it held anything (an error is reported).
bool LibfabricTransport::Impl::readCompletions(Rail& rail) {
  fi_cq_tagged_entry entries[16];
  const ssize_t n = fi_cq_read(rail.cq.get(), entries, 16);
  if (n > 0) {
    for (ssize_t i = 0; i < n; ++i) complete(entries[i].op_context);
    return true;
  }
  if (n == -FI_EAGAIN) return false;
  if (n == -FI_EAVAIL) {
    fi_cq_err_entry err{};
    if (fi_cq_readerr(rail.cq.get(), &err, 0) == 1) fail(err, rail.cq.get());
    return true;
  }
  throw TransportError("rank " + std::to_string(rank) + ": libfabric " + props.provider + ": " +
                       fiError("fi_cq_read", static_cast<int>(n)));
}

// Gives the core away until a completion queue has something (or 10 ms pass): poll() on their
// file descriptors once fi_trywait says nothing is pending, else a 20 us sleep.
void LibfabricTransport::Impl::waitForCompletion(Deadline deadline) {
  const bool no_fd =
      std::any_of(wait_fds.begin(), wait_fds.end(), [](const pollfd& p) { return p.fd < 0; });
  if (no_fd || !backlog.empty()) {
    std::this_thread::sleep_for(std::chrono::microseconds(20));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    const int rc = fi_trywait(fabric.get(), wait_fids.data(), static_cast<int>(wait_fids.size()));
    if (rc != FI_SUCCESS) return;  // events pending: poll again
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  ::poll(wait_fds.data(), wait_fds.size(),
         static_cast<int>(std::clamp<long long>(left.count() + 1, 1, 10)));
}

LibfabricTransport::LibfabricTransport(Bootstrap& boot, LibfabricOptions options)
    : impl_(std::make_unique<Impl>(boot, std::move(options))) {}

LibfabricTransport::~LibfabricTransport() = default;

const TransportProps& LibfabricTransport::props() const { return impl_->props; }
int LibfabricTransport::rank() const { return impl_->rank; }
int LibfabricTransport::size() const { return impl_->size; }

std::unique_ptr<MemoryRegion> LibfabricTransport::registerMemory(void* data, std::size_t bytes,
                                                                 MemoryKind kind) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  const std::uint64_t mode = m.info->domain_attr->mr_mode;
  const bool device = kind == MemoryKind::kCuda;
  if (device && !(m.info->caps & FI_HMEM)) {
    throw TransportError("libfabric provider " + m.props.provider +
                         " cannot register CUDA memory (no FI_HMEM)");
  }
  std::vector<FidPtr<fid_mr>> mrs;
  if (!(mode & FI_MR_LOCAL) && !device) {
    return std::make_unique<FabricRegion>(data, bytes, kind, std::move(mrs), m.mu);
  }
  for (Rail& rail : m.rails) mrs.push_back(m.registerOn(rail, data, bytes, device));
  return std::make_unique<FabricRegion>(data, bytes, kind, std::move(mrs), m.mu);
}

// A registration of [data, data + bytes) in one rail's domain (bound to its endpoint where
// the provider asks for FI_MR_ENDPOINT).
FidPtr<fid_mr> LibfabricTransport::Impl::registerOn(Rail& rail, void* data, std::size_t bytes,
                                                    bool device) {
  iovec iov{data, bytes};
  fi_mr_attr attr{};
  attr.mr_iov = &iov;
  attr.iov_count = 1;
  attr.access = FI_SEND | FI_RECV;
  attr.iface = FI_HMEM_SYSTEM;
#if COLLBENCH_HAVE_CUDA
  if (device) {  // GPUDirect RDMA on EFA: the NIC reads and writes GPU memory directly
    attr.iface = FI_HMEM_CUDA;
    int dev = 0;
    cudaGetDevice(&dev);
    attr.device.cuda = dev;
  }
#endif
  fid_mr* mr = nullptr;
  check(fi_mr_regattr(rail.domain.get(), &attr, device ? FI_HMEM_DEVICE_ONLY : 0, &mr),
        "fi_mr_regattr(" + std::to_string(bytes) + " bytes)");
  FidPtr<fid_mr> owned(mr);
  if (info->domain_attr->mr_mode & FI_MR_ENDPOINT) {
    check(fi_mr_bind(mr, &rail.ep->fid, 0), "fi_mr_bind");
    check(fi_mr_enable(mr), "fi_mr_enable");
  }
  return owned;
}

Request LibfabricTransport::postSend(int peer, Tag tag, const MemoryRegion& region,
                                     std::size_t offset, std::size_t bytes) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->post(OpKind::kSend, peer, tag, region, offset, bytes);
}

Request LibfabricTransport::postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                                     std::size_t bytes) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->post(OpKind::kRecv, peer, tag, region, offset, bytes);
}

std::vector<std::uint64_t> LibfabricTransport::bytesPerRail() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::uint64_t> bytes;
  for (const Rail& rail : impl_->rails) bytes.push_back(rail.bytes_posted);
  return bytes;
}

void LibfabricTransport::releaseTagsBelow(Tag bound) {
  for (auto* table : {&impl_->send_seq, &impl_->recv_seq}) {
    for (TagSequences& seqs : *table) seqs.releaseBelow(bound);
  }
}

void LibfabricTransport::progressUntil(Request* reqs, std::size_t n, WaitFor until,
                                       Deadline deadline) {
  Impl& m = *impl_;
  m.in_wait = true;
  m.waits.fetch_add(1, std::memory_order_relaxed);
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = false; }
  } done{m.in_wait};
  const auto spin_until = Clock::now() + m.opts.spin;
  while (!satisfied(reqs, n, until)) {
    const Request* pending = firstPending(reqs, n);
    if (m.progress()) continue;
    const auto now = Clock::now();
    if (now >= deadline) {
      const RequestState& st = pending->state();
      const std::string refused =
          m.backlog.empty() ? ""
                            : " (" + std::to_string(m.backlog.size()) +
                                  " operations still refused by the provider with FI_EAGAIN)";
      throw TimeoutError("rank " + std::to_string(m.rank) + ": timed out waiting for " +
                             describe(st) + " over libfabric " + m.props.provider + refused +
                             "; rank " + std::to_string(st.peer) + " runs on host " +
                             m.hosts[st.peer],
                         st.peer, st.tag);
    }
    if (m.opts.blocking_progress && now >= spin_until) m.waitForCompletion(deadline);
  }
  throwIfAnyFailed(reqs, n, m.rank);
}

}  // namespace collbench
