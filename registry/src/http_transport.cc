#include "http_transport.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "address_policy.h"
#include "traceassist/common/text.h"

namespace traceassist::registry {
namespace {

constexpr int kMaxRedirects = 5;

struct Transfer {
  bool private_ok = false;
  std::string refused;  // why the socket was not opened
  std::uint64_t max_body = 0;
  bool too_large = false;
  HttpResponse response;
};

curl_socket_t OpenSocket(void* clientp, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(clientp);
  if (!transfer->private_ok && !IsPublicAddress(&address->addr)) {
    char text[64] = "?";
    if (address->family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr, text,
                sizeof text);
    } else if (address->family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr, text,
                sizeof text);
    }
    transfer->refused = std::string("resolved address ") + text +
                        " is loopback, link-local, private or reserved (not allowed for this host)";
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

std::size_t WriteBody(char* data, std::size_t size, std::size_t count, void* clientp) {
  auto* transfer = static_cast<Transfer*>(clientp);
  const std::size_t n = size * count;
  if (transfer->response.body.size() + n > transfer->max_body) {
    transfer->too_large = true;
    return 0;
  }
  transfer->response.body.append(data, n);
  return n;
}

std::size_t WriteHeader(char* data, std::size_t size, std::size_t count, void* clientp) {
  auto* transfer = static_cast<Transfer*>(clientp);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0)
    transfer->response.headers.clear();  // a new response (after 100)
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string name = common::ToLower(line.substr(0, colon));
  auto value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  transfer->response.headers[name] = std::string(value);
  return n;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

}  // namespace

bool ParseUrl(const std::string& url, UrlParts& parts) {
  std::unique_ptr<CURLU, CurlDeleter> handle(curl_url());
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    return false;
  auto get = [&](CURLUPart part, std::string& out) {
    char* value = nullptr;
    if (curl_url_get(handle.get(), part, &value, 0) != CURLUE_OK) return false;
    out = value;
    curl_free(value);
    return true;
  };
  if (!get(CURLUPART_SCHEME, parts.scheme) || !get(CURLUPART_HOST, parts.host)) return false;
  if (!parts.host.empty() && parts.host.front() == '[')
    parts.host = parts.host.substr(1, parts.host.size() - 2);
  if (!get(CURLUPART_PORT, parts.port)) parts.port.clear();
  return true;
}

HttpTransport::HttpTransport(const RegistryOptions& options) : options_(options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::variant<HttpResponse, HttpFailure> HttpTransport::Perform(const HttpRequest& request,
                                                               Clock::time_point deadline) const {
  HttpRequest hop = request;
  for (int redirects = 0;; ++redirects) {
    auto result = PerformOnce(hop, redirects > 0, deadline);
    auto* response = std::get_if<HttpResponse>(&result);
    if (response == nullptr || !request.follow_redirects) return result;
    const bool redirect = response->status == 301 || response->status == 302 ||
                          response->status == 303 || response->status == 307 ||
                          response->status == 308;
    if (!redirect) return result;
    const auto location = response->headers.find("location");
    if (location == response->headers.end())
      return HttpFailure{Outcome::kError, "redirect without Location"};
    if (redirects == kMaxRedirects) return HttpFailure{Outcome::kError, "more than 5 redirects"};
    // Resolve a relative Location against the URL that answered.
    std::unique_ptr<CURLU, CurlDeleter> url(curl_url());
    char* next = nullptr;
    if (curl_url_set(url.get(), CURLUPART_URL, hop.url.c_str(), 0) != CURLUE_OK ||
        curl_url_set(url.get(), CURLUPART_URL, location->second.c_str(), 0) != CURLUE_OK ||
        curl_url_get(url.get(), CURLUPART_URL, &next, 0) != CURLUE_OK) {
      return HttpFailure{Outcome::kError, "redirect to an unreadable Location"};
    }
    hop.url = next;
    curl_free(next);
    // Credentials belong to the registry, never to where it redirects.
    std::erase_if(hop.headers, [](const std::string& h) {
      return h.size() >= 14 && strncasecmp(h.c_str(), "authorization:", 14) == 0;
    });
    if (hop.method == "POST") hop.method = "GET";
  }
}

std::variant<HttpResponse, HttpFailure> HttpTransport::PerformOnce(
    const HttpRequest& request, bool redirected, Clock::time_point deadline) const {
  UrlParts url;
  if (!ParseUrl(request.url, url))
    return HttpFailure{Outcome::kError, "not a valid URL: " + request.url};
  const std::string host_port = url.port.empty() ? url.host : url.host + ":" + url.port;
  const std::string what = redirected ? "redirect to " + url.scheme + "://" + host_port : host_port;
  if (url.scheme != "https") {
    const bool insecure =
        Contains(options_.insecure_hosts, host_port) || Contains(options_.insecure_hosts, url.host);
    if (url.scheme != "http" || redirected || !insecure) {
      return HttpFailure{Outcome::kDenied,
                         what + ": only HTTPS is allowed" +
                             (redirected ? std::string(" for redirects")
                                         : std::string(" (host not marked insecure)"))};
    }
  }
  if (IsIpLiteral(url.host) && (redirected || !options_.allow_ip_literals)) {
    return HttpFailure{Outcome::kDenied, what + ": IP literals are not allowed"};
  }
  const auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (remaining.count() <= 0) return HttpFailure{Outcome::kTimeout, host_port + ": no time left"};
  const auto timeout = std::min(remaining, options_.request_timeout);

  Transfer transfer;
  transfer.private_ok = !redirected && Contains(options_.private_address_hosts, url.host);
  transfer.max_body = request.max_body;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return HttpFailure{Outcome::kError, "curl_easy_init failed"};
  CURL* c = curl.get();
  std::unique_ptr<curl_slist, CurlDeleter> headers;
  for (const auto& h : request.headers)
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  std::unique_ptr<curl_slist, CurlDeleter> resolve;
  for (const auto& r : options_.resolve)
    resolve.reset(curl_slist_append(resolve.release(), r.c_str()));
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROXY,
                   "");  // never a proxy from the environment: it would bypass the checks
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(timeout, options_.connect_timeout).count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long>(1, timeout.count())));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_body));
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "traceassist/" TRACEASSIST_VERSION);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (resolve) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (request.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (request.method == "POST")
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.post_fields.c_str());

  const CURLcode code = curl_easy_perform(c);
  if (!transfer.refused.empty())
    return HttpFailure{Outcome::kDenied, what + ": " + transfer.refused};
  if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return HttpFailure{Outcome::kError, host_port + ": response body exceeds " +
                                            std::to_string(request.max_body) + " bytes"};
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return HttpFailure{Outcome::kTimeout, host_port + ": no complete answer within " +
                                              std::to_string(timeout.count()) + " ms"};
  }
  if (code != CURLE_OK) {
    return HttpFailure{Outcome::kError,
                       host_port + ": " + (error[0] ? error : curl_easy_strerror(code))};
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  transfer.response.url = request.url;
  return std::move(transfer.response);
}

}  // namespace traceassist::registry
