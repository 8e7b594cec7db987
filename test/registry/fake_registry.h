// A FAKE registry (cpp-httplib over TLS on 127.0.0.1, ephemeral port) for behaviours no real
// registry shows: a body that hangs half-way, a 1 GiB config, malformed JSON, redirects to
// loopback, digest mismatches, 429. Images live under repository names that say what they do.
// Test-only.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "image_json.h"

namespace traceassist::registry::testing {

// A throwaway CA and a certificate for localhost / 127.0.0.1 (openssl CLI), in a temporary
// directory.
struct TestCertificates {
  std::filesystem::path dir, ca, cert, key;
  TestCertificates() {
    dir = std::filesystem::temp_directory_path() /
          ("traceassist-fake-registry-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter()++));
    std::filesystem::create_directories(dir);
    ca = dir / "ca.crt";
    cert = dir / "server.crt";
    key = dir / "server.key";
    const std::string d = dir.string();
    const std::string script =
        "cd '" + d +
        "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout ca.key -out ca.crt -days 2 -subj /CN=fake-ca 2>/dev/null && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key "
        "-out s.csr "
        "-subj /CN=localhost 2>/dev/null && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' "
        "> ext && "
        "openssl x509 -req -in s.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt "
        "-days 2 "
        "-extfile ext 2>/dev/null";
    if (std::system(script.c_str()) != 0)
      throw std::runtime_error("openssl could not make test certificates");
  }
  ~TestCertificates() {
    std::error_code e;
    std::filesystem::remove_all(dir, e);
  }
  static std::atomic<int>& counter() {
    static std::atomic<int> n{0};
    return n;
  }
};

class FakeRegistry {
 public:
  FakeRegistry() : server_(certs_.cert.c_str(), certs_.key.c_str()) {
    server_.set_keep_alive_max_count(1);
    server_.Get(R"(/v2/([^/]+)/(manifests|blobs)/(.+))",
                [this](const auto& req, auto& res) { Serve(req, res); });
    server_.Options(".*", [](const auto&, auto&) {});
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket is bound, so clients can connect already; stop() needs listen() to have started.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeRegistry() {
    stop_ = true;
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string host() const { return "localhost:" + std::to_string(port_); }
  const std::filesystem::path& ca() const { return certs_.ca; }
  int requests() const { return requests_; }
  // A manifest and config served under /v2/<name>/ (tag "v1").
  void AddImage(const std::string& name, const std::string& config, std::string manifest = {}) {
    if (manifest.empty()) {
      manifest =
          R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":)"
          R"("application/vnd.oci.image.config.v1+json","digest":")" +
          Sha256Digest(config) + R"(","size":)" + std::to_string(config.size()) +
          R"(},"layers":[]})";
    }
    blobs_[name + "/" + Sha256Digest(config)] = config;
    manifests_[name + "/v1"] = manifest;
    manifests_[name + "/" + Sha256Digest(manifest)] = manifest;
  }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    const std::string name = req.matches[1], kind = req.matches[2], ref = req.matches[3];
    if (name == "ratelimited" && kind == "manifests" && rate_limited_++ == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    if (name == "ratelimitedlong" && kind == "manifests") {
      res.status = 429;
      res.set_header("Retry-After", "3600");
      return;
    }
    if (name == "evilrealm") {
      res.status = 401;
      res.set_header("WWW-Authenticate",
                     R"(Bearer realm="https://169.254.169.254/token",service="x")");
      return;
    }
    if (kind == "blobs" && name.rfind("redirect", 0) == 0) {
      res.status = 307;
      const std::string port = std::to_string(port_);
      if (name == "redirectip")
        res.set_header("Location", "https://127.0.0.1:" + port + "/v2/x/blobs/" + ref);
      if (name == "redirecthttp")
        res.set_header("Location", "http://localhost:" + port + "/v2/x/blobs/" + ref);
      if (name == "redirectname")
        res.set_header("Location", "https://localhost:" + port + "/v2/x/blobs/" + ref);
      return;
    }
    if (kind == "blobs" && name == "hang") {
      res.set_chunked_content_provider(
          "application/json", [this](size_t offset, httplib::DataSink& sink) {
            if (offset == 0) return sink.write("{\"config\":", 10);
            for (int i = 0; i < 100 && !stop_; ++i)
              std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return false;
          });
      return;
    }
    if (kind == "blobs" &&
        name == "endless") {  // a descriptor that lies about its size: 1 GiB follows
      res.set_chunked_content_provider("application/json",
                                       [this](size_t offset, httplib::DataSink& sink) {
                                         static const std::string chunk(1 << 16, ' ');
                                         if (stop_ || offset >= (1u << 30)) return false;
                                         return sink.write(chunk.data(), chunk.size());
                                       });
      return;
    }
    const auto& table = kind == "manifests" ? manifests_ : blobs_;
    const auto it = table.find(name + "/" + (name == "mismatch" ? std::string("v1") : ref));
    if (it == table.end()) {
      res.status = 404;
      return;
    }
    if (kind == "manifests") {
      res.set_header("Docker-Content-Digest", name == "mismatch" ? "sha256:" + std::string(64, '0')
                                                                 : Sha256Digest(it->second));
    }
    res.set_content(it->second, kind == "manifests" ? "application/vnd.oci.image.manifest.v1+json"
                                                    : "application/octet-stream");
  }

  TestCertificates certs_;
  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0}, rate_limited_{0};
  std::map<std::string, std::string> manifests_, blobs_;
};

}  // namespace traceassist::registry::testing
