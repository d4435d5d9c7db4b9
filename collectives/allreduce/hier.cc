// Hierarchical all-reduce, the way NCCL uses NVLink inside a node and the network between
// nodes: a ring reduce-scatter among the ranks of each host, an all-reduce across hosts of
// each piece between the ranks that hold it (ring or tree, chosen by the registry), and a ring
// all-gather inside each host. With L ranks per host, each rank sends only about 2S/L across
// the network in the middle step instead of 2S(n-1)/n, and the rest over the faster local link.
//
// Hosts come from Communicator::hosts(). With uneven ranks per host the buffer is cut at every
// host's chunk boundaries (patterns/hier.h), so a rank may hold several pieces and meet
// different peers for each; every rank takes its pieces in buffer order, so the groups meet in
// the same order everywhere and cannot deadlock.
#include <algorithm>
#include <string>

#include "collectives/allreduce/allreduce.h"
#include "collectives/patterns/hier.h"
#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

// The inner steps reduce sums; an average is divided once, by the whole group, at the end.
CollArgs asSum(const CollArgs& args) {
  CollArgs a = args;
  if (a.op == ReduceOp::kAvg) a.op = ReduceOp::kSum;
  return a;
}

CollArgs pieceOf(const CollArgs& args, Range r) {
  CollArgs a = args;
  auto* base = static_cast<std::byte*>(args.recv) + r.begin * dtypeSize(args.dtype);
  a.send = base;
  a.recv = base;
  a.send_count = a.recv_count = r.size();
  a.in_place = true;
  return a;
}

class HierAllreduce : public Algorithm {
 public:
  explicit HierAllreduce(std::unique_ptr<Algorithm> across) : across_(std::move(across)) {}
  std::string name() const override { return across_->name() == "ring" ? "hier" : "hier-tree"; }
  std::string costForm() const override { return name(); }
  std::string collective() const override { return "all_reduce"; }
  std::string description() const override {
    return "ring reduce-scatter inside each host, " + across_->name() +
           " all-reduce across hosts, ring all-gather inside each host";
  }
  bool supports(const Communicator&, const CollArgs&) const override { return true; }

  void run(Communicator& comm, const CollArgs& args) override {
    if (allreduceTrivially(comm, args)) return;
    const auto hosts = ranksByHost(comm.hosts(), comm.size());
    const CollArgs sum = asSum(args);
    Subgroup local(comm, hosts[hostIndex(hosts, comm.rank())], SubgroupTags::kNested);
    ringReduceScatter(local.comm(), sum);
    if (hosts.size() > 1) acrossHosts(comm, sum, hosts);
    ringAllGather(local.comm(), sum);
    if (args.op == ReduceOp::kAvg) {
      memoryOps(comm).finishAverage(args.dtype, args.recv, args.recv_count, comm.size());
    }
  }

 private:
  static std::size_t hostIndex(const std::vector<std::vector<int>>& hosts, int rank) {
    for (std::size_t h = 0; h < hosts.size(); ++h) {
      for (int r : hosts[h]) {
        if (r == rank) return h;
      }
    }
    return 0;
  }

  void acrossHosts(Communicator& comm, const CollArgs& sum,
                   const std::vector<std::vector<int>>& hosts) {
    for (const HierPiece& piece : hierPieces(sum.recv_count, hosts)) {
      if (std::find(piece.owners.begin(), piece.owners.end(), comm.rank()) == piece.owners.end())
        continue;
      Subgroup across(comm, piece.owners, SubgroupTags::kNested);
      across_->run(across.comm(), pieceOf(sum, piece.range));
    }
  }

  std::unique_ptr<Algorithm> across_;
};

}  // namespace

std::unique_ptr<Algorithm> makeHierAllreduce(std::unique_ptr<Algorithm> across_hosts) {
  return std::make_unique<HierAllreduce>(std::move(across_hosts));
}

}  // namespace collbench
