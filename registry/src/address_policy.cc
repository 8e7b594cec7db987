#include "address_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace traceassist::registry {
namespace {

constexpr std::array<std::string_view, 11> kPublicRegistries = {"docker.io",
                                                                "ghcr.io",
                                                                "quay.io",
                                                                "gcr.io",
                                                                "*.gcr.io",
                                                                "*.pkg.dev",
                                                                "mcr.microsoft.com",
                                                                "public.ecr.aws",
                                                                "registry.k8s.io",
                                                                "registry.gitlab.com",
                                                                "registry-1.docker.io"};

bool PublicV4(std::uint32_t a) {  // host byte order
  auto in = [a](std::uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return !(in(0x00000000, 8) ||   // "this" network
           in(0x0A000000, 8) ||   // 10/8
           in(0x64400000, 10) ||  // 100.64/10 carrier-grade NAT
           in(0x7F000000, 8) ||   // loopback
           in(0xA9FE0000, 16) ||  // link-local (cloud metadata lives here)
           in(0xAC100000, 12) ||  // 172.16/12
           in(0xC0000000, 24) ||  // 192.0.0/24 protocol assignments
           in(0xC0000200, 24) ||  // TEST-NET-1
           in(0xC0A80000, 16) ||  // 192.168/16
           in(0xC6120000, 15) ||  // 198.18/15 benchmarking
           in(0xC6336400, 24) ||  // TEST-NET-2
           in(0xCB007100, 24) ||  // TEST-NET-3
           in(0xE0000000, 4) ||   // multicast
           in(0xF0000000, 4));    // reserved, broadcast
}

}  // namespace

bool IsPublicAddress(const sockaddr* address) {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return PublicV4(ntohl(v4->sin_addr.s_addr));
  }
  if (address->sa_family != AF_INET6) return false;
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
  const std::uint8_t* b = v6->sin6_addr.s6_addr;
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) {
    return PublicV4(static_cast<std::uint32_t>(b[12]) << 24 | b[13] << 16 | b[14] << 8 | b[15]);
  }
  if ((b[0] & 0xe0) != 0x20) return false;  // only 2000::/3 is global unicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // documentation
  if (b[0] == 0x20 && b[1] == 0x02) return false;  // 6to4 embeds arbitrary IPv4 addresses
  return true;
}

bool IsIpLiteral(std::string_view host) {
  const std::string h(host);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1 || inet_pton(AF_INET6, h.c_str(), &v6) == 1)
    return true;
  // Forms inet_pton refuses but resolvers accept: "127.1", "0x7f.1", "2130706433", octal parts.
  if (h.empty() || h.back() == '.') return false;
  int parts = 0;
  std::size_t start = 0;
  while (start <= h.size()) {
    auto dot = h.find('.', start);
    if (dot == std::string::npos) dot = h.size();
    std::string_view part(h.data() + start, dot - start);
    const bool hex =
        part.size() > 2 && (part.substr(0, 2) == "0x" || part.substr(0, 2) == "0X") &&
        part.substr(2).find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
    const bool decimal =
        !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos;
    if (!hex && !decimal) return false;
    ++parts;
    start = dot + 1;
  }
  return parts <= 4;
}

std::string HostOnly(std::string_view host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    const auto close = host_port.find(']');
    return std::string(host_port.substr(1, close == std::string_view::npos ? close : close - 1));
  }
  return std::string(host_port.substr(0, host_port.find(':')));
}

bool HostMatches(std::string_view pattern, std::string_view host) {
  if (pattern.size() > 2 && pattern.substr(0, 2) == "*.") {
    const auto suffix = pattern.substr(1);  // ".pkg.dev"
    return host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix;
  }
  return pattern == host;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  for (const auto& item : list) {
    if (item == value) return true;
  }
  return false;
}

std::string RegistryRefusal(const RegistryOptions& options, std::string_view registry) {
  const std::string host = HostOnly(registry);
  if (IsIpLiteral(host) && !options.allow_ip_literals) {
    return "registry '" + std::string(registry) +
           "' is an IP literal (not allowed unless configured)";
  }
  if (options.mirrors.count(std::string(registry)) ||
      options.credentials.count(std::string(registry))) {
    return {};
  }
  auto listed = [&](const auto& list) {
    for (const auto& pattern : list) {
      if (HostMatches(pattern, registry) || HostMatches(pattern, host)) return true;
    }
    return false;
  };
  if (options.allowed_registries.empty() ? listed(kPublicRegistries)
                                         : listed(options.allowed_registries)) {
    return {};
  }
  if (listed(options.extra_registries)) return {};
  return "registry '" + std::string(registry) + "' is not on the allowlist";
}

}  // namespace traceassist::registry
