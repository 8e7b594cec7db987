// Test and bench only: the shared corpus's mirror image configs (../shared/corpus/images/*.json;
// the format is in that folder's README) as ImageFacts, the plain data the registry client produces
// from a real registry. Only what a registry shows is read: `reference`, `config` (Env, Entrypoint,
// Cmd, WorkingDir, Labels, history) and `binaries` (the files a test image holds); never the labels
// of the corpus (`language_truth`, `evidence`, `decisive_hint`).
//
// With `layers` (as --inspect-layers), the binary the entrypoint starts becomes entry_binary: a
// `go` binary carries Go build info; an `elf` binary's interpreter is the one its root image links
// against (alpine: musl; otherwise glibc). That interpreter is derived from the provenance's root
// image, not read from a file: the registry tests build real binaries.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "image_program.h"
#include "traceassist/instrument/image_facts.h"

namespace traceassist::test {

using instrument::BinaryFacts;
using instrument::ImageFacts;

class CorpusImageFacts {
 public:
  // Reads every *.json in `dir`. Unresolvable images (config null) are left out, as a registry
  // would have nothing for them. Throws std::runtime_error naming the file on bad JSON.
  CorpusImageFacts(const std::filesystem::path& dir, bool layers) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".json") continue;
      std::ifstream in(entry.path());
      const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
      if (doc.is_discarded() || !doc.is_object())
        throw std::runtime_error(entry.path().string() + ": not a JSON object");
      if (!doc.contains("config") || !doc["config"].is_object()) continue;
      ImageFacts f = FromConfig(doc);
      if (layers) f.entry_binary = EntryBinary(doc, f);
      facts_[f.reference] = std::move(f);
    }
  }

  const ImageFacts* Find(std::string_view reference) const {
    const auto it = facts_.find(reference);
    return it == facts_.end() ? nullptr : &it->second;
  }
  std::size_t size() const { return facts_.size(); }

  // For Options::image_facts; `this` must outlive the options.
  instrument::ImageFactsLookup Lookup() const {
    return [this](std::string_view reference) { return Find(reference); };
  }

 private:
  static std::vector<std::string> Strings(const nlohmann::json& j) {
    std::vector<std::string> out;
    if (j.is_array()) {
      for (const auto& s : j)
        if (s.is_string()) out.push_back(s.get<std::string>());
    }
    return out;
  }

  static ImageFacts FromConfig(const nlohmann::json& doc) {
    ImageFacts f;
    f.reference = doc.value("reference", "");
    const nlohmann::json& image = doc["config"];
    const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json& c =
        image.contains("config") && image["config"].is_object() ? image["config"] : empty;
    f.env = Strings(c.value("Env", nlohmann::json()));
    f.entrypoint = Strings(c.value("Entrypoint", nlohmann::json()));
    f.cmd = Strings(c.value("Cmd", nlohmann::json()));
    if (c.contains("WorkingDir") && c["WorkingDir"].is_string()) f.working_dir = c["WorkingDir"];
    if (c.contains("Labels") && c["Labels"].is_object()) {
      for (const auto& [k, v] : c["Labels"].items())
        if (v.is_string()) f.labels.emplace_back(k, v.get<std::string>());
    }
    if (image.contains("history") && image["history"].is_array()) {
      for (const auto& h : image["history"])
        if (h.is_object() && h.contains("created_by") && h["created_by"].is_string())
          f.history.push_back(h["created_by"]);
    }
    return f;
  }

  static std::optional<BinaryFacts> EntryBinary(const nlohmann::json& doc, const ImageFacts& f) {
    if (!doc.contains("binaries") || !doc["binaries"].is_array()) return std::nullopt;
    bool alpine = false;
    if (doc.contains("provenance") && doc["provenance"].is_array() && !doc["provenance"].empty()) {
      const std::string root = doc["provenance"][0].value("what", "");
      alpine = root.rfind("alpine", 0) == 0;
    }
    for (const std::string& candidate : instrument::ProgramCandidates(f)) {
      for (const auto& b : doc["binaries"]) {
        if (b.value("path", "") != candidate) continue;
        const std::string kind = b.value("kind", "");
        if (kind != "go" && kind != "elf") return std::nullopt;  // a script: no ELF to read
        BinaryFacts bin;
        bin.path = candidate;
        bin.go_build_info = kind == "go";
        if (bin.go_build_info && b.contains("go_version") && b["go_version"].is_string())
          bin.go_version = b["go_version"];
        if (kind == "elf")
          bin.interpreter = alpine ? "/lib/ld-musl-x86_64.so.1" : "/lib64/ld-linux-x86-64.so.2";
        return bin;
      }
    }
    return std::nullopt;
  }

  std::map<std::string, ImageFacts, std::less<>> facts_;
};

}  // namespace traceassist::test
