// Certificate generation, CertificateStore and the listener's TLS settings, with real certificates
// generated here and a real TLS handshake against an in-process cpp-httplib SSLServer on an
// ephemeral port. The client is plain OpenSSL, verifying like the API server: the CA bundle,
// ServerName <svc>.<ns>.svc, ALPN http/1.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

// The Debian cpp-httplib library is built with OpenSSL; its header declares SSLServer only with
// this.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>

#include "traceassist/common/text.h"
#include "traceassist/webhook/cert_gen.h"
#include "traceassist/webhook/cert_store.h"

namespace {

namespace fs = std::filesystem;
using traceassist::webhook::CaBundleBase64;
using traceassist::webhook::CertificateRequest;
using traceassist::webhook::CertificateStore;
using traceassist::webhook::ConfigureServerContext;
using traceassist::webhook::GeneratedCertificates;
using traceassist::webhook::GenerateWebhookCertificates;
using traceassist::webhook::KeyType;
using traceassist::webhook::WriteCertificateFiles;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "traceassist-certs-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

GeneratedCertificates Generate(KeyType type = KeyType::kEcP256) {
  auto certs = GenerateWebhookCertificates({"traceassist", "observability", 30, type});
  REQUIRE(certs.ok());
  return certs.value();
}

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Publishes a pair the way the kubelet publishes a Secret volume: the files are symlinks through
// `..data`, which is swapped atomically to a new timestamped directory.
class SecretVolume {
 public:
  explicit SecretVolume(fs::path dir) : dir_(std::move(dir)) {}
  void Publish(const std::string& cert_pem, const std::string& key_pem) {
    const fs::path version = dir_ / ("..v" + std::to_string(++generation_));
    fs::create_directory(version);
    std::ofstream(version / "tls.crt") << cert_pem;
    std::ofstream(version / "tls.key") << key_pem;
    const fs::path tmp_link = dir_ / "..data_tmp";
    fs::create_directory_symlink(version.filename(), tmp_link);
    fs::rename(tmp_link, dir_ / "..data");  // rename(2) replaces the old link atomically
    for (const char* name : {"tls.crt", "tls.key"}) {
      if (!fs::is_symlink(dir_ / name)) fs::create_symlink(fs::path("..data") / name, dir_ / name);
    }
  }
  std::string cert_path() const { return (dir_ / "tls.crt").string(); }
  std::string key_path() const { return (dir_ / "tls.key").string(); }

 private:
  fs::path dir_;
  int generation_ = 0;
};

// An HTTPS server on 127.0.0.1:<ephemeral> whose handshakes use `store`; stopped on destruction.
class TestServer {
 public:
  explicit TestServer(const CertificateStore& store)
      : server_([&store](SSL_CTX& ctx) {
          store.Install(&ctx);
          return ConfigureServerContext(&ctx).ok();
        }) {
    server_.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("pong", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
};

struct Handshake {
  bool ok = false;
  std::string error;
  std::string peer_cert_pem;
  std::string alpn;
  int version = 0;
  std::string http_response;
};

struct ClientOptions {
  std::string ca_pem;
  std::string server_name = "traceassist.observability.svc";
  int max_version = 0;        // 0: library default (TLS 1.3)
  int forced_version = 0;     // min == max
  std::string tls12_ciphers;  // empty: default
  std::string alpn = "\x08http/1.1";
};

// Connects, verifies the chain and host name, sends GET /ping, reads the answer.
Handshake Connect(int port, const ClientOptions& opt) {
  Handshake result;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(opt.ca_pem.data(), -1), BIO_free);
  X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  REQUIRE(ca != nullptr);
  X509_STORE_add_cert(store, ca);
  X509_free(ca);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (opt.forced_version) {
    SSL_CTX_set_min_proto_version(ctx.get(), opt.forced_version);
    SSL_CTX_set_max_proto_version(ctx.get(), opt.forced_version);
    SSL_CTX_set_security_level(ctx.get(), 0);  // let the client offer TLS 1.1 at all
  }
  if (!opt.tls12_ciphers.empty()) SSL_CTX_set_cipher_list(ctx.get(), opt.tls12_ciphers.c_str());
  SSL_CTX_set_alpn_protos(ctx.get(), reinterpret_cast<const unsigned char*>(opt.alpn.data()),
                          static_cast<unsigned>(opt.alpn.size()));

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), opt.server_name.c_str());
  SSL_set1_host(ssl.get(), opt.server_name.c_str());
  if (SSL_connect(ssl.get()) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    result.error = buf;
    ::close(fd);
    return result;
  }
  result.ok = SSL_get_verify_result(ssl.get()) == X509_V_OK;
  result.version = SSL_version(ssl.get());
  const unsigned char* proto = nullptr;
  unsigned proto_len = 0;
  SSL_get0_alpn_selected(ssl.get(), &proto, &proto_len);
  result.alpn.assign(reinterpret_cast<const char*>(proto), proto_len);
  if (X509* peer = SSL_get1_peer_certificate(ssl.get())) {
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(out.get(), peer);
    char* data = nullptr;
    long n = BIO_get_mem_data(out.get(), &data);
    result.peer_cert_pem.assign(data, static_cast<std::size_t>(n));
    X509_free(peer);
  }
  const std::string request = "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  SSL_write(ssl.get(), request.data(), static_cast<int>(request.size()));
  char buf[4096];
  int n;
  while ((n = SSL_read(ssl.get(), buf, sizeof buf)) > 0) result.http_response.append(buf, n);
  SSL_shutdown(ssl.get());
  ::close(fd);
  return result;
}

}  // namespace

TEST_CASE("generated certificates carry the webhook's DNS names and verify", "[tls]") {
  for (KeyType type : {KeyType::kEcP256, KeyType::kRsa2048}) {
    GeneratedCertificates certs = Generate(type);
    CHECK(certs.ca_cert_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
    CHECK(certs.key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);

    std::unique_ptr<BIO, decltype(&BIO_free)> b1(BIO_new_mem_buf(certs.cert_pem.data(), -1),
                                                 BIO_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> b2(BIO_new_mem_buf(certs.ca_cert_pem.data(), -1),
                                                 BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> leaf(
        PEM_read_bio_X509(b1.get(), nullptr, nullptr, nullptr), X509_free);
    std::unique_ptr<X509, decltype(&X509_free)> ca(
        PEM_read_bio_X509(b2.get(), nullptr, nullptr, nullptr), X509_free);
    REQUIRE(leaf);
    REQUIRE(ca);
    for (const char* name :
         {"traceassist", "traceassist.observability", "traceassist.observability.svc",
          "traceassist.observability.svc.cluster.local", "localhost"}) {
      INFO(name);
      CHECK(X509_check_host(leaf.get(), name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) ==
            1);
    }
    CHECK(X509_check_host(leaf.get(), "other.observability.svc", 0, 0, nullptr) == 0);
    CHECK(X509_check_ca(ca.get()) >= 1);
    CHECK(X509_check_ca(leaf.get()) == 0);

    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  X509_STORE_free);
    X509_STORE_add_cert(store.get(), ca.get());
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> vctx(X509_STORE_CTX_new(),
                                                                         X509_STORE_CTX_free);
    X509_STORE_CTX_init(vctx.get(), store.get(), leaf.get(), nullptr);
    X509_STORE_CTX_set_purpose(vctx.get(), X509_PURPOSE_SSL_SERVER);
    CHECK(X509_verify_cert(vctx.get()) == 1);
  }
  CHECK_FALSE(GenerateWebhookCertificates({"Bad_Name", "ns"}).ok());
  CHECK_FALSE(GenerateWebhookCertificates({"svc", ""}).ok());
  CHECK_FALSE(GenerateWebhookCertificates({"svc", "ns", 0}).ok());
}

TEST_CASE("certificate files are written with a private key mode", "[tls]") {
  TempDir tmp;
  GeneratedCertificates certs = Generate();
  const fs::path out = tmp.path / "nested" / "out";
  REQUIRE(WriteCertificateFiles(out.string(), certs).ok());
  CHECK(ReadText(out / "ca.crt") == certs.ca_cert_pem);
  CHECK(ReadText(out / "tls.crt") == certs.cert_pem);
  CHECK(ReadText(out / "tls.key") == certs.key_pem);
  struct stat st {};
  REQUIRE(::stat((out / "tls.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(fs::exists(out / "tls.key.tmp"));
  // The caBundle line is the base64 of the CA PEM, on one line.
  const std::string bundle = CaBundleBase64(certs);
  CHECK(bundle.find('\n') == std::string::npos);
  CHECK(bundle.size() == 4 * ((certs.ca_cert_pem.size() + 2) / 3));
  CHECK(traceassist::common::Base64Decode(bundle) == certs.ca_cert_pem);
}

TEST_CASE("base64 decoding and certificate expiry, as `certs --secret` reads a Secret", "[tls]") {
  using traceassist::common::Base64Decode;
  for (const std::string& text :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    CHECK(Base64Decode(traceassist::common::Base64(text)) == text);
  }
  CHECK_FALSE(Base64Decode("abc").has_value());   // not a multiple of 4
  CHECK_FALSE(Base64Decode("ab!d").has_value());  // not base64
  auto certs = GenerateWebhookCertificates({"traceassist", "observability", 30});
  REQUIRE(certs.ok());
  auto left = traceassist::webhook::SecondsUntilExpiry(certs.value().cert_pem);
  REQUIRE(left.ok());
  CHECK(left.value() > 30LL * 86400 - 60);
  CHECK(left.value() <= 30LL * 86400);
  CHECK_FALSE(traceassist::webhook::SecondsUntilExpiry("not a certificate").ok());
}

TEST_CASE("CertificateStore refuses broken pairs", "[tls]") {
  TempDir tmp;
  GeneratedCertificates a = Generate();
  GeneratedCertificates b = Generate();
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(tmp.path / name) << text;
    return (tmp.path / name).string();
  };
  const std::string cert = write("a.crt", a.cert_pem);
  const std::string key = write("a.key", a.key_pem);
  const std::string other_key = write("b.key", b.key_pem);
  const std::string garbage = write("garbage", "not a certificate\n");

  auto good = CertificateStore::Load(cert, key);
  REQUIRE(good.ok());
  CHECK(good.value()->Describe().find("CN=traceassist.observability.svc") != std::string::npos);

  auto mismatch = CertificateStore::Load(cert, other_key);
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.status().message().find("does not match") != std::string::npos);
  CHECK_FALSE(CertificateStore::Load(garbage, key).ok());
  CHECK_FALSE(CertificateStore::Load(cert, garbage).ok());
  auto missing = CertificateStore::Load((tmp.path / "absent.crt").string(), key);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("absent.crt") != std::string::npos);
}

TEST_CASE("TLS settings: 1.2 minimum, AEAD only, ALPN http/1.1", "[tls]") {
  TempDir tmp;
  GeneratedCertificates certs = Generate();
  SecretVolume volume(tmp.path);
  volume.Publish(certs.cert_pem, certs.key_pem);
  auto store = CertificateStore::Load(volume.cert_path(), volume.key_path());
  REQUIRE(store.ok());
  TestServer server(*store.value());

  ClientOptions opt;
  opt.ca_pem = certs.ca_cert_pem;
  Handshake tls13 = Connect(server.port(), opt);
  REQUIRE(tls13.ok);
  CHECK(tls13.version == TLS1_3_VERSION);
  CHECK(tls13.alpn == "http/1.1");
  CHECK(tls13.peer_cert_pem == certs.cert_pem);
  CHECK(tls13.http_response.find("pong") != std::string::npos);

  opt.forced_version = TLS1_2_VERSION;
  Handshake tls12 = Connect(server.port(), opt);
  CHECK(tls12.ok);
  CHECK(tls12.version == TLS1_2_VERSION);

  SECTION("TLS 1.1 is refused") {
    opt.forced_version = TLS1_1_VERSION;
    opt.tls12_ciphers = "DEFAULT:@SECLEVEL=0";
    CHECK_FALSE(Connect(server.port(), opt).ok);
  }
  SECTION("CBC suites are refused") {
    opt.tls12_ciphers = "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA256";
    CHECK_FALSE(Connect(server.port(), opt).ok);
  }
  SECTION("a client offering only h2 gets no ALPN protocol") {
    opt.forced_version = 0;
    opt.alpn = "\x02h2";
    Handshake h2 = Connect(server.port(), opt);
    CHECK(h2.ok);
    CHECK(h2.alpn.empty());
  }
  SECTION("the wrong server name fails verification") {
    opt.server_name = "traceassist.other.svc";
    CHECK_FALSE(Connect(server.port(), opt).ok);
  }
}

TEST_CASE(
    "CertificateStore reloads a swapped Secret and keeps the old pair when the new one is broken",
    "[tls]") {
  TempDir tmp;
  GeneratedCertificates first = Generate();
  GeneratedCertificates second = Generate();
  SecretVolume volume(tmp.path);
  volume.Publish(first.cert_pem, first.key_pem);
  auto loaded = CertificateStore::Load(volume.cert_path(), volume.key_path());
  REQUIRE(loaded.ok());
  CertificateStore& store = *loaded.value();
  TestServer server(store);
  ClientOptions trust_first;
  trust_first.ca_pem = first.ca_cert_pem;
  ClientOptions trust_second;
  trust_second.ca_pem = second.ca_cert_pem;

  CHECK(Connect(server.port(), trust_first).peer_cert_pem == first.cert_pem);
  auto unchanged = store.ReloadIfChanged();
  REQUIRE(unchanged.ok());
  CHECK_FALSE(unchanged.value());

  volume.Publish(second.cert_pem, second.key_pem);
  auto reloaded = store.ReloadIfChanged();
  REQUIRE(reloaded.ok());
  CHECK(reloaded.value());
  Handshake after = Connect(server.port(), trust_second);
  CHECK(after.ok);
  CHECK(after.peer_cert_pem == second.cert_pem);
  CHECK_FALSE(Connect(server.port(), trust_first).ok);  // the old CA no longer matches

  // Same content republished (new inode): not a reload.
  volume.Publish(second.cert_pem, second.key_pem);
  auto same = store.ReloadIfChanged();
  REQUIRE(same.ok());
  CHECK_FALSE(same.value());

  // A certificate with the wrong key: refused once, old pair still served.
  volume.Publish(first.cert_pem, second.key_pem);
  auto broken = store.ReloadIfChanged();
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.status().message().find("does not match") != std::string::npos);
  auto broken_again = store.ReloadIfChanged();
  REQUIRE(broken_again.ok());
  CHECK_FALSE(broken_again.value());
  CHECK(Connect(server.port(), trust_second).peer_cert_pem == second.cert_pem);

  // A truncated certificate (a half-written file): refused as well.
  volume.Publish(second.cert_pem.substr(0, second.cert_pem.size() / 2), second.key_pem);
  CHECK_FALSE(store.ReloadIfChanged().ok());
  CHECK(Connect(server.port(), trust_second).peer_cert_pem == second.cert_pem);

  // Fixed: the first pair again.
  volume.Publish(first.cert_pem, first.key_pem);
  auto fixed = store.ReloadIfChanged();
  REQUIRE(fixed.ok());
  CHECK(fixed.value());
  CHECK(Connect(server.port(), trust_first).peer_cert_pem == first.cert_pem);
}
