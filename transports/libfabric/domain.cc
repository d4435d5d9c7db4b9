#include "transports/libfabric/domain.h"

#include <netinet/in.h>
#include <sys/stat.h>

#include <set>
#include <string>
#include <vector>

namespace collbench {
namespace {

std::string domainName(const fi_info* i) {
  return i->domain_attr->name ? i->domain_attr->name : "";
}

std::string fabricName(const fi_info* i) {
  return i->fabric_attr->name ? i->fabric_attr->name : "";
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool linkLocalIpv6(const fi_info* info) {
  if (info->addr_format != FI_SOCKADDR_IN6 || !info->src_addr) return false;
  const auto* a = static_cast<const sockaddr_in6*>(info->src_addr);
  return IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr);
}

}  // namespace

bool leadsOffHost(const fi_info* info) {
  const std::string net = "/sys/class/net/" + domainName(info);
  if (domainName(info) == "lo" || linkLocalIpv6(info)) return false;
  return !exists(net + "/bridge") && !exists(net + "/brport");
}

fi_info* pickDomain(fi_info* list, int local_rank,
                    const std::function<bool(const fi_info*)>& usable) {
  fi_info* first = list;
  while (first && !usable(first)) first = first->next;
  if (!first) return list;
  std::vector<fi_info*> domains;
  std::set<std::string> seen;
  for (fi_info* i = first; i; i = i->next) {
    if (fabricName(i) != fabricName(first) || !usable(i)) continue;
    if (seen.insert(domainName(i)).second) domains.push_back(i);
  }
  return domains[static_cast<std::size_t>(local_rank) % domains.size()];
}

}  // namespace collbench
