#include "registry_session.h"

#include <nlohmann/json.hpp>
#include <thread>

#include "traceassist/common/text.h"
#include "www_authenticate.h"

namespace traceassist::registry {
namespace {

// Retry-After in seconds (delta form); HTTP dates and garbage read as "unknown" (-1).
long RetryAfterSeconds(const HttpResponse& response) {
  const auto it = response.headers.find("retry-after");
  if (it == response.headers.end() || it->second.empty() || it->second.size() > 6 ||
      it->second.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  return std::stol(it->second);
}

// Credentials may go to the realm only when it is the registry itself or its known token service.
bool RealmMayHaveCredentials(const std::string& realm_host, const Endpoint& endpoint) {
  if (realm_host == endpoint.host) return true;
  return endpoint.host == "registry-1.docker.io" && realm_host == "auth.docker.io";
}

}  // namespace

std::string UrlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

RegistrySession::RegistrySession(const HttpTransport& http, const RegistryOptions& options,
                                 Endpoint endpoint, std::string repository,
                                 Clock::time_point deadline)
    : http_(http),
      options_(options),
      endpoint_(std::move(endpoint)),
      repository_(std::move(repository)),
      deadline_(deadline) {
  if (endpoint_.credential && !endpoint_.credential->registry_token.empty()) {
    authorization_ = "Authorization: Bearer " + endpoint_.credential->registry_token;
  }
}

std::variant<HttpResponse, HttpFailure> RegistrySession::Send(const std::string& method,
                                                              const std::string& url,
                                                              const std::string& accept,
                                                              std::uint64_t max_body) {
  HttpRequest request;
  request.method = method;
  request.url = url;
  request.max_body = max_body;
  if (!accept.empty()) request.headers.push_back(accept);
  if (!authorization_.empty()) request.headers.push_back(authorization_);
  return http_.Perform(request, deadline_);
}

std::variant<HttpResponse, HttpFailure> RegistrySession::Request(const std::string& method,
                                                                 const std::string& suffix,
                                                                 const std::string& accept,
                                                                 std::uint64_t max_body) {
  const std::string url = endpoint_.base + "/" + repository_ + "/" + suffix + endpoint_.query;
  bool authorized = false, retried = false;
  for (;;) {
    auto result = Send(method, url, accept, max_body);
    auto* response = std::get_if<HttpResponse>(&result);
    if (response == nullptr) return result;
    if (response->status == 401 && !authorized) {
      authorized = true;
      if (auto failure = Authorize(*response); !failure.message.empty()) return failure;
      continue;
    }
    if (response->status == 429 && !retried) {
      retried = true;
      const long seconds = RetryAfterSeconds(*response);
      const auto wait = std::chrono::seconds(seconds < 0 ? 1 : seconds);
      if (wait > options_.max_retry_after || Clock::now() + wait >= deadline_) {
        return HttpFailure{Outcome::kError,
                           endpoint_.registry + ": rate limited (429), Retry-After " +
                               std::to_string(seconds) + " s is beyond the budget"};
      }
      std::this_thread::sleep_for(wait);
      continue;
    }
    return result;
  }
}

HttpFailure RegistrySession::Authorize(const HttpResponse& unauthorized) {
  const auto header = unauthorized.headers.find("www-authenticate");
  const auto challenges = ParseWwwAuthenticate(
      header == unauthorized.headers.end() ? std::string_view() : header->second);
  const Credential* credential = endpoint_.credential;
  for (const auto& challenge : challenges) {
    if (challenge.scheme == "basic") {
      if (!credential || credential->username.empty()) {
        return {Outcome::kError,
                endpoint_.registry +
                    ": the registry wants credentials (basic) and none are configured"};
      }
      authorization_ = "Authorization: Basic " +
                       common::Base64(credential->username + ":" + credential->password);
      return {};
    }
    if (challenge.scheme != "bearer") continue;
    const auto realm = challenge.params.find("realm");
    UrlParts realm_url;
    if (realm == challenge.params.end() || !ParseUrl(realm->second, realm_url)) {
      return {Outcome::kError, endpoint_.registry + ": bearer challenge without a valid realm"};
    }
    const auto scope = challenge.params.count("scope") ? challenge.params.at("scope")
                                                       : "repository:" + repository_ + ":pull";
    std::string query = "?scope=" + UrlEncode(scope);
    if (challenge.params.count("service"))
      query += "&service=" + UrlEncode(challenge.params.at("service"));
    HttpRequest request;
    request.url = realm->second + query;
    request.max_body = options_.max_token_bytes;
    const bool send_credentials = credential && RealmMayHaveCredentials(realm_url.host, endpoint_);
    if (send_credentials && !credential->identity_token.empty()) {
      request.method = "POST";
      request.url = realm->second;
      request.post_fields = "grant_type=refresh_token&client_id=traceassist&refresh_token=" +
                            UrlEncode(credential->identity_token) + "&" + query.substr(1);
    } else if (send_credentials && !credential->username.empty()) {
      request.headers.push_back("Authorization: Basic " +
                                common::Base64(credential->username + ":" + credential->password));
    }
    auto result = http_.Perform(request, deadline_);
    if (auto* failure = std::get_if<HttpFailure>(&result)) {
      failure->message = "token service of " + endpoint_.registry + ": " + failure->message;
      return *failure;
    }
    const auto& response = std::get<HttpResponse>(result);
    if (response.status != 200) {
      return {Outcome::kError, "token service of " + endpoint_.registry + " answered " +
                                   std::to_string(response.status)};
    }
    const auto doc = nlohmann::json::parse(response.body, nullptr, false);
    std::string token;
    if (doc.is_object()) {
      for (const char* key : {"token", "access_token"}) {
        if (doc.contains(key) && doc[key].is_string() && !doc[key].get<std::string>().empty()) {
          token = doc[key].get<std::string>();
          break;
        }
      }
    }
    if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
      return {Outcome::kError,
              "token service of " + endpoint_.registry + " returned no usable token"};
    }
    authorization_ = "Authorization: Bearer " + token;
    return {};
  }
  return {Outcome::kError,
          endpoint_.registry + ": 401 without a supported WWW-Authenticate challenge"};
}

}  // namespace traceassist::registry
