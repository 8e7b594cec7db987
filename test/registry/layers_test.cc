#include "layers.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "binary_facts.h"
#include "traceassist/registry/facts_cache.h"

using namespace traceassist::registry;
using traceassist::instrument::ImageFacts;

namespace {

struct File {
  std::string path, content, symlink;
};

// A layer tarball written by libarchive with the given compression ("gzip", "zstd" or "none").
std::string Layer(const std::vector<File>& files, const std::string& filter) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (filter == "gzip") archive_write_add_filter_gzip(a);
  if (filter == "zstd") archive_write_add_filter_zstd(a);
  archive_write_set_bytes_in_last_block(a, 1);  // no zero padding after the compressed stream
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* data, const void* buffer, size_t n) -> la_ssize_t {
        static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& f : files) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, f.path.c_str());
    if (!f.symlink.empty()) {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, f.symlink.c_str());
    } else {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_size(e, static_cast<la_int64_t>(f.content.size()));
    }
    archive_entry_set_perm(e, 0755);
    archive_write_header(a, e);
    if (f.symlink.empty()) archive_write_data(a, f.content.data(), f.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Image {
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> blobs;
  void Add(std::string blob) {
    const auto digest = Sha256Digest(blob);
    layers.push_back({"", digest, blob.size(), "", "", ""});
    blobs[digest] = std::move(blob);
  }
  LayerFetcher Fetcher(int* fetched = nullptr) {
    return [this, fetched](const Descriptor& d) -> std::variant<std::string, std::string> {
      if (fetched) ++*fetched;
      return std::variant<std::string, std::string>(std::in_place_index<0>, blobs.at(d.digest));
    };
  }
};

ImageFacts Config(std::vector<std::string> entrypoint, std::vector<std::string> cmd = {},
                  std::vector<std::string> env = {}, std::string working_dir = "") {
  ImageFacts f;
  f.entrypoint = std::move(entrypoint);
  f.cmd = std::move(cmd);
  f.env = std::move(env);
  f.working_dir = std::move(working_dir);
  return f;
}

}  // namespace

TEST_CASE(
    "the entry binary is found top-down through gzip and zstd layers, whiteouts and symlinks") {
  const std::string go_binary = ReadFile(std::filesystem::path(GO_BINARY).string());
  REQUIRE(go_binary.size() > 1000);
  const std::string ls = ReadFile("/bin/ls");
  Image image;
  image.Add(
      Layer({{"opt/old/server", ls, ""}, {"app/server", ls, ""}, {"usr/local/bin/gone", ls, ""}},
            "gzip"));
  image.Add(Layer({{"usr/local/bin/.wh.gone", "", ""},
                   {"app/bin/link", "", "../server2"},
                   {"opt/old/.wh..wh..opq", "", ""}},
                  "zstd"));
  image.Add(Layer({{"./app/server2", go_binary, ""}}, "none"));

  int fetched = 0;
  auto found = FindEntryBinary(Config({"/app/bin/link"}), image.layers, image.Fetcher(&fetched),
                               1u << 30, 1u << 30);
  INFO(found.note);
  REQUIRE(found.binary);
  CHECK(found.binary->path == "/app/server2");
  CHECK(found.binary->go_build_info);
  CHECK(found.binary->go_version.rfind("go1.", 0) == 0);
  CHECK(found.binary->interpreter.empty());

  CHECK(fetched ==
        2);  // top, then the middle one with the link; its target on top is not fetched again
  CHECK(FindEntryBinary(Config({"/app/server"}), image.layers, image.Fetcher(), 1u << 30, 1u << 30)
            .binary);
  // /opt/old is opaque in the middle layer: the bottom layer's /opt/old/server is hidden.
  found = FindEntryBinary(Config({"/opt/old/server"}), image.layers, image.Fetcher(), 1u << 30,
                          1u << 30);
  CHECK_FALSE(found.binary);
  CHECK(found.note.find("not found") != std::string::npos);
  // Whited out in the middle layer.
  found = FindEntryBinary(Config({"gone"}), image.layers, image.Fetcher(), 1u << 30, 1u << 30);
  CHECK_FALSE(found.binary);

  Image plain;
  plain.Add(Layer({{"usr/bin/ls", ls, ""}}, "gzip"));
  found = FindEntryBinary(Config({"ls"}), plain.layers, plain.Fetcher(), 1u << 30, 1u << 30);
  REQUIRE(found.binary);
  CHECK(found.binary->path == "/usr/bin/ls");
  CHECK(found.binary->interpreter.find("ld-linux") != std::string::npos);
}

TEST_CASE("layer reading is bounded and reports damaged tarballs") {
  Image image;
  image.Add(std::string(5000, 'x'));
  int fetched = 0;
  auto found =
      FindEntryBinary(Config({"/a"}), image.layers, image.Fetcher(&fetched), 100, 1u << 30);
  CHECK(fetched == 0);
  CHECK(found.note.find("budget") != std::string::npos);
  found =
      FindEntryBinary(Config({"/a"}), image.layers, image.Fetcher(&fetched), 1u << 30, 1u << 30);
  CHECK(fetched == 1);
  CHECK(found.note.find("tarball") != std::string::npos);
}

TEST_CASE("the facts cache: digests forever, tags for a TTL, on disk across instances, bounded") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("traceassist-cache-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto facts = std::make_shared<ImageFacts>();
  facts->digest = "sha256:1";
  facts->env = {"A=1"};
  facts->labels = {{"k", "v"}};
  facts->entry_binary = traceassist::instrument::BinaryFacts{"/x", true, "go1.22.5", ""};
  {
    FactsCache cache(10, std::chrono::seconds(60), dir);
    cache.PutDigest("docker.io/library/x:1", "sha256:1");
    cache.PutFacts("key", facts);
  }
  FactsCache reopened(10, std::chrono::seconds(60), dir);
  CHECK(reopened.Digest("docker.io/library/x:1") == "sha256:1");
  auto back = reopened.Facts("key");
  REQUIRE(back);
  CHECK(back->env == facts->env);
  CHECK(back->labels == facts->labels);
  REQUIRE(back->entry_binary);
  CHECK(back->entry_binary->go_version == "go1.22.5");
  FactsCache expired(10, std::chrono::seconds(-1), dir);
  CHECK_FALSE(expired.Digest("docker.io/library/x:1"));

  FactsCache small(2);
  small.PutFacts("a", facts);
  small.PutFacts("b", facts);
  small.PutFacts("c", facts);
  CHECK_FALSE(small.Facts("a"));
  CHECK(small.Facts("c"));
  std::filesystem::remove_all(dir);
}
