// The client side of `traceassist healthcheck`: GETs a /health URL (the container image has no
// curl).
//
// Thread-safety: a pure function apart from the network call.
#pragma once

#include <chrono>
#include <string>

namespace traceassist::webhook {

// GETs `url` (http://host:port/path; https is accepted and not verified, for a local probe).
// Returns true on status 200. Otherwise false, with `detail` saying what happened (status or
// connection error).
bool ProbeHealth(const std::string& url, std::chrono::milliseconds timeout, std::string& detail);

}  // namespace traceassist::webhook
