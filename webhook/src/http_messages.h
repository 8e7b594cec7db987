// HTTP/1.1 messages below the routes (private to webhook/): how a request's body is framed, and how
// an answer is written. Thread-safe: plain functions over the request and response at hand.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace traceassist::webhook {

// True for "application/json", with parameters (charset) and in any case.
bool IsJsonContentType(const std::string& value);

// Closes the connection once this response is written. httplib then writes `Connection: close`
// and no Keep-Alive because the request asks for it: the Request is httplib's own non-const local,
// handed to us as const.
void CloseConnection(const httplib::Request& req);

// Answers with a JSON body given in consecutive segments. A large body is written from its
// segments as they are (never joined: that would hold it twice).
void SetJsonBody(httplib::Response& res, std::vector<std::string> segments);

// How a request's body is framed, checked before anything else: a length that cannot be trusted
// would let body bytes be parsed as requests (smuggling).
struct Framing {
  int status = 0;  // 0: fine
  const char* code = "";
  std::string message;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
};

// Checks the Content-Length and Transfer-Encoding headers: a status and code to answer with
// (400, 411, 413) when they cannot be trusted, or are over `max_body_bytes`.
Framing CheckFraming(const httplib::Request& req, std::size_t max_body_bytes);

}  // namespace traceassist::webhook
