// What cpp-httplib 0.11.4 lacks on the request path of a connection (library-facts §2.4-§2.6), kept
// per worker thread: httplib serves a connection on one thread from accept to close.
//
// The compiled library calls three of its own functions through its PLT; connection_guard.cc
// defines them in the executable (webhook/CMakeLists.txt exports them), which takes their place:
//  - select_read: every wait for request bytes ends at the overall deadline of the request's
//  current
//    phase: its headers (from its first byte; for a new connection, the TLS handshake too) and its
//    body (from the end of its headers). A per-read timeout alone lets one byte every few seconds
//    hold a connection for hours.
//  - read_socket: plain HTTP reads stop at the end of the request's headers and at the end of a
//    Content-Length body. httplib's stream would read ahead and drop what it read with the request,
//    so pipelined requests were never answered; now they stay in the socket and are served in
//    order.
//  - keep_alive: a connection marked by CloseAfterResponse() is not read again (nothing after an
//    unread body is ever parsed as a request); on TLS, a request already decrypted is served at
//    once.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <optional>

namespace traceassist::webhook::connection {

// A connection starts on this thread; the deadlines (milliseconds) apply to each of its requests.
void Begin(long header_ms, long body_ms);
// Its headers are read: the body phase starts (a body of `content_length` bytes, or chunked).
void HeadersRead(const SSL* ssl, std::optional<std::uint64_t> content_length, bool chunked);
// Its body is read (or will not be): no deadline until the next request.
void BodyRead();
// The connection closes once the current response is written.
void CloseAfterResponse();
// The last wait for request bytes ended because a deadline passed.
bool DeadlinePassed();

}  // namespace traceassist::webhook::connection
