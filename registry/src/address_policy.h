// Which hosts and addresses the client may talk to: the allowlist of registries and the check of a
// resolved address (loopback, link-local, private and reserved ranges are not public).
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

#include "traceassist/registry/options.h"

namespace traceassist::registry {

// True when `address` (AF_INET or AF_INET6, IPv4-mapped included) is a public unicast address.
bool IsPublicAddress(const sockaddr* address);

// True when `host` (no port, no brackets) is an IPv4 or IPv6 literal.
bool IsIpLiteral(std::string_view host);

// Splits "host:port" / "[v6]:port" into the host (without brackets).
std::string HostOnly(std::string_view host_port);

// Whether `registry` (host[:port]) may be contacted as a registry: the allowlist (or its public
// defaults), extra hosts, mirror and credential hosts. Empty string when allowed, else the reason.
std::string RegistryRefusal(const RegistryOptions& options, std::string_view registry);

// Whether `host` matches an allowlist entry ("ghcr.io", "*.pkg.dev").
bool HostMatches(std::string_view pattern, std::string_view host);

bool Contains(const std::vector<std::string>& list, std::string_view value);

}  // namespace traceassist::registry
