// libfabric transport: reliable datagram endpoints (FI_EP_RDM) with tagged messages, the way
// EFA is driven on AWS; here it runs on the tcp (tcp;ofi_rxm), shm and sockets providers.
//
// Matching: libfabric matches tagged receives by (source address, tag). A message's wire tag
// is our tag in the high 40 bits and a per-(peer, tag) sequence number in the low 24, so the
// n-th send of a tag meets the n-th receive of that tag whatever order the provider delivers
// in (EFA's SRD does not keep order). Tags are therefore compared modulo 2^40.
// Completion is the only signal that data has arrived: nothing reads a buffer before its
// receive completes, and no byte order inside a message is assumed.
//
// Progress: wait() polls the completion queue (FI_PROGRESS_MANUAL providers progress there);
// with blocking progress it sleeps in fi_cq_sread on the queue's wait object once a short spin
// found nothing, for runs with more ranks than cores.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "transports/api/bootstrap.h"
#include "transports/api/transport.h"

namespace collbench {

struct LibfabricOptions {
  // A provider as fi_info names it ("efa", "tcp", "udp;ofi_rxd", or a core name such as "udp"
  // that libfabric completes with its utility layer), "auto" (efa if present, else tcp), or ""
  // (the first provider libfabric offers, under its FI_PROVIDER filter).
  std::string provider = "auto";
  bool blocking_progress = false;
  std::chrono::microseconds spin{50};  // with blocking progress: poll this long, then sleep
  int local_rank = 0;  // picks NICs (domains): local_rank * rails + r for rail r, mod their count
  // Endpoints per rank, each on its own domain (NIC) where the host has enough: a p5.48xlarge
  // has 4 EFA devices beside each GPU. Messages are cut into pieces of stripe_bytes, dealt over
  // the rails by their sequence numbers. Every rank must use the same count.
  int rails = 1;
  std::size_t stripe_bytes = 256 << 10;
  bool hmem = false;  // ask for FI_HMEM, to register CUDA memory (GPUDirect)
  // A thread that progresses a FI_PROGRESS_MANUAL provider while no wait() runs (see
  // transport.cc); needed by providers with reliability in software (udp;ofi_rxd).
  bool idle_progress = true;
  // Largest piece an operation is split into (0: the provider's max_msg_size). Tests make it
  // small, so that one message travels as many pieces that may arrive in any order.
  std::size_t max_piece_bytes = 0;
  // Tests: send an operation's pieces last first, as a provider that reorders (EFA's SRD
  // sprays packets over paths) may deliver them; each piece's sequence number in its tag must
  // still put it in place.
  bool reverse_pieces = false;
};

class LibfabricTransport : public Transport {
 public:
  // Collective over `boot`. Throws TransportError naming the provider (and, when it is not on
  // this host, the providers that are) before any data moves.
  LibfabricTransport(Bootstrap& boot, LibfabricOptions options);
  ~LibfabricTransport() override;

  const TransportProps& props() const override;
  int rank() const override;
  int size() const override;
  // Registers with fi_mr_reg when the provider asks for local registration (FI_MR_LOCAL) or for
  // device memory; otherwise only records the buffer. Blocks in the provider; not on peers.
  std::unique_ptr<MemoryRegion> registerMemory(void* data, std::size_t bytes,
                                               MemoryKind kind) override;
  Request postSend(int peer, Tag tag, const MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  Request postRecv(int peer, Tag tag, MemoryRegion& region, std::size_t offset,
                   std::size_t bytes) override;
  void progressUntil(Request* reqs, std::size_t n, WaitFor until, Deadline deadline) override;
  void releaseTagsBelow(Tag bound) override;
  using Transport::wait;

  // Bytes of the sends and receives posted on each rail so far (tests, reports).
  std::vector<std::uint64_t> bytesPerRail() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The providers on this host that offer FI_EP_RDM with tagged messages, e.g. "shm, tcp".
std::string libfabricProviders();
// fi_version() as text, e.g. "1.17".
std::string libfabricVersion();

}  // namespace collbench
