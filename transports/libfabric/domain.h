// Which of the provider's domains (NICs) a rank opens.
#pragma once

#include <rdma/fabric.h>

#include <functional>

namespace collbench {

// Whether an fi_getinfo entry can carry traffic to other hosts. Not for the IP providers' (tcp,
// udp) entries on the loopback interface, on a Linux bridge or a port of one (docker0, virbr0,
// the emulated hosts' cbbr0 and its veths: /sys/class/net/NAME/bridge or brport), whose
// addresses lead only to containers, VMs or namespaces on this host, or on an IPv6 link-local
// address (it needs its interface as scope; fi_endpoint refused one with "Cannot assign
// requested address"). A device that is no network interface (EFA's rdmap16s27-rdm) can.
bool leadsOffHost(const fi_info* info);

// The info for one domain (NIC): the local_rank-th distinct domain, among the entries `usable`
// accepts, on the fabric of the first of them, so that ranks sharing a host with several EFA
// devices (one fabric, "efa") spread over them. The IP providers make each interface a domain
// and each of its subnets a fabric, and libfabric lists a bridge first: every rank took the
// emulated hosts' bridge, whose deletion by another test hung the job, and local rank 1 took
// `lo`. Where no entry is usable, the first one listed. `list` is not empty.
fi_info* pickDomain(fi_info* list, int local_rank,
                    const std::function<bool(const fi_info*)>& usable = leadsOffHost);

}  // namespace collbench
