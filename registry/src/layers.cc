#include "layers.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "binary_facts.h"

namespace traceassist::registry {
namespace {

std::string Basename(std::string_view path) {
  return std::string(path.substr(path.rfind('/') + 1));
}

struct Candidate {
  std::string path;
  enum { kUnknown, kFound, kDeleted } state = kUnknown;
  instrument::BinaryFacts binary;
};

}  // namespace

LayerSearch FindEntryBinary(const instrument::ImageFacts& facts,
                            const std::vector<Descriptor>& layers, const LayerFetcher& fetch,
                            std::uint64_t max_layer_bytes, std::uint64_t max_file_bytes) {
  LayerSearch result;
  std::vector<Candidate> candidates;
  for (auto& path : instrument::ProgramCandidates(facts))
    candidates.push_back(Candidate{std::move(path), Candidate::kUnknown, {}});
  if (candidates.empty()) {
    result.note = "no entrypoint program in the config";
    return result;
  }
  std::uint64_t spent = 0;
  int symlinks = 0;
  std::vector<std::optional<std::string>> blobs(layers.size());  // fetched once, kept for restarts
restart:
  for (auto& c : candidates) c.state = Candidate::kUnknown;
  for (std::size_t k = layers.size(); k-- > 0;) {
    const Descriptor& layer = layers[k];
    if (!blobs[k]) {
      if (layer.size > max_layer_bytes - spent) {
        result.note = "layer budget of " + std::to_string(max_layer_bytes) +
                      " bytes spent before " + candidates[0].path + " was found";
        return result;
      }
      spent += layer.size;
      auto blob = fetch(layer);
      if (blob.index() == 1) {
        result.note = std::get<1>(blob);
        return result;
      }
      blobs[k] = std::move(std::get<0>(blob));
    }
    const std::string& bytes = *blobs[k];
    std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                  archive_read_free);
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_filter_zstd(reader.get());
    archive_read_support_filter_none(reader.get());
    archive_read_support_format_tar(reader.get());
    if (archive_read_open_memory(reader.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
      result.note = "layer " + layer.digest +
                    " is not a readable tarball: " + archive_error_string(reader.get());
      return result;
    }
    std::vector<std::string> opaque_dirs;
    bool followed_link = false;
    archive_entry* entry = nullptr;
    int status;
    while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
      const std::string name = instrument::ResolveImagePath(
          "/", archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
      const std::string dir = name.substr(0, name.rfind('/'));
      const std::string base = Basename(name);
      if (base == ".wh..wh..opq") {
        opaque_dirs.push_back(dir);
        continue;
      }
      if (base.rfind(".wh.", 0) == 0) {
        const std::string hidden = dir + "/" + base.substr(4);
        for (auto& c : candidates) {
          if (c.state == Candidate::kUnknown &&
              (c.path == hidden || c.path.rfind(hidden + "/", 0) == 0)) {
            c.state = Candidate::kDeleted;
          }
        }
        continue;
      }
      for (auto& c : candidates) {
        if (c.state != Candidate::kUnknown || c.path != name) continue;
        const auto type = archive_entry_filetype(entry);
        if (type == AE_IFLNK && archive_entry_symlink(entry) && ++symlinks <= 16) {
          // The link's target may be in any layer: look again from the top for it.
          const std::string target = archive_entry_symlink(entry);
          c.path = instrument::ResolveImagePath(dir, target);
          followed_link = true;
          continue;
        }
        if (type != AE_IFREG) continue;
        std::string content;
        const auto size =
            static_cast<std::uint64_t>(std::max<la_int64_t>(0, archive_entry_size(entry)));
        content.resize(std::min(size, max_file_bytes));
        const auto n = archive_read_data(reader.get(), content.data(), content.size());
        if (n < 0) {
          result.note = "reading " + name + " from layer " + layer.digest + ": " +
                        archive_error_string(reader.get());
          return result;
        }
        content.resize(static_cast<std::size_t>(n));
        c.binary.path = name;
        ReadBinaryFacts(content, c.binary);
        c.state = Candidate::kFound;
      }
    }
    if (status != ARCHIVE_EOF) {
      result.note =
          "layer " + layer.digest + " is a damaged tarball: " + archive_error_string(reader.get());
      return result;
    }
    if (followed_link) goto restart;
    for (auto& c : candidates) {
      for (const auto& dir : opaque_dirs) {
        if (c.state == Candidate::kUnknown && c.path.rfind(dir + "/", 0) == 0)
          c.state = Candidate::kDeleted;
      }
    }
    // Done when the most likely candidate that still exists has been found.
    for (const auto& c : candidates) {
      if (c.state == Candidate::kDeleted) continue;
      if (c.state == Candidate::kUnknown) break;
      result.binary = c.binary;
      return result;
    }
  }
  // Below the bottom layer, candidates still unknown do not exist.
  for (const auto& c : candidates) {
    if (c.state == Candidate::kFound) {
      result.binary = c.binary;
      return result;
    }
  }
  result.note = "entrypoint " + candidates[0].path + " not found in the layers";
  return result;
}

}  // namespace traceassist::registry
