// HTTP/1.1 messages below the routes: how a request's body is framed, and how an answer is written
// (JSON bodies in segments, Connection: close).
#include "http_messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "connection_guard.h"
#include "request_recorder.h"
#include "traceassist/common/text.h"

namespace traceassist::webhook {

bool IsJsonContentType(const std::string& value) {
  std::string_view type(value);
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return common::EqualsIgnoreCase(type, "application/json");
}

void CloseConnection(const httplib::Request& req) {
  auto& headers = const_cast<httplib::Request&>(req).headers;
  headers.erase("Connection");
  headers.emplace("Connection", "close");
  connection::CloseAfterResponse();
}

void SetJsonBody(httplib::Response& res, std::vector<std::string> segments) {
  constexpr std::size_t kJoinUpTo = std::size_t{1} << 20;
  std::size_t size = 0;
  for (const std::string& s : segments) size += s.size();
  if (size <= kJoinUpTo) {
    res.body.clear();
    res.body.reserve(size);
    for (const std::string& s : segments) res.body += s;
    res.set_header("Content-Type", kJsonContentType);
    return;
  }
  auto body = std::make_shared<const std::vector<std::string>>(std::move(segments));
  res.set_content_provider(size, kJsonContentType,
                           [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             std::size_t start = 0;  // of the segment holding `offset`
                             for (const std::string& s : *body) {
                               if (offset < start + s.size()) {
                                 return sink.write(s.data() + (offset - start),
                                                   std::min(length, start + s.size() - offset));
                               }
                               start += s.size();
                             }
                             return false;
                           });
}

Framing CheckFraming(const httplib::Request& req, std::size_t max_body_bytes) {
  Framing f;
  auto bad = [&f](int status, const char* code, std::string message) {
    f.status = status;
    f.code = code;
    f.message = std::move(message);
    return f;
  };
  const auto lengths = req.headers.equal_range("Content-Length");
  for (auto it = lengths.first; it != lengths.second; ++it) {
    const std::string& value = it->second;
    std::uint64_t length = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
      return bad(400, "invalid_content_length", "Content-Length must be a decimal byte count");
    }
    if (f.content_length && *f.content_length != length) {
      return bad(400, "invalid_content_length", "the Content-Length headers disagree");
    }
    f.content_length = length;
  }
  const auto coding = req.headers.find("Transfer-Encoding");
  if (coding != req.headers.end()) {
    if (f.content_length) {
      return bad(400, "invalid_framing", "send Content-Length or Transfer-Encoding, not both");
    }
    if (!common::EqualsIgnoreCase(coding->second, "chunked") ||
        req.headers.count("Transfer-Encoding") > 1) {
      return bad(400, "unsupported_transfer_encoding", "the only transfer coding is chunked");
    }
    f.chunked = true;
  }
  // httplib would read such a body until the client closes.
  if (!f.content_length && !f.chunked &&
      (req.method == "POST" || req.method == "PUT" || req.method == "PATCH")) {
    return bad(411, "length_required", "send Content-Length (or a chunked body)");
  }
  if (f.content_length && *f.content_length > max_body_bytes) {
    return bad(413, "payload_too_large",
               fmt::format("the body is larger than {} bytes", max_body_bytes));
  }
  return f;
}

}  // namespace traceassist::webhook
