// The CLI's side of --inspect-images: a lookup from image reference to ImageFacts for the detector
// (instrument::Options::image_facts), answered by one `traceassist-server inspect-images` child
// started on first use (the static CLI links no DNS/TLS). References go down its stdin one per
// line; each answer is one JSON line. Thread-safe (the rewrite splits large streams over threads);
// answers are kept for the life of the inspector, so returned pointers stay valid.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/image_facts.h"

namespace traceassist::cmd {

class ImageInspector {
 public:
  // `args`: the registry flags for the server (RegistryArgs).
  explicit ImageInspector(std::vector<std::string> args);
  ~ImageInspector();
  ImageInspector(const ImageInspector&) = delete;
  ImageInspector& operator=(const ImageInspector&) = delete;

  // The facts of `reference`, or null (not resolvable, refused, failed: see Notes()).
  const instrument::ImageFacts* Lookup(std::string_view reference);
  // One line per image that gave no facts: "REF: OUTCOME: MESSAGE"; and one for a failed server.
  std::vector<std::string> Notes();

 private:
  bool Start();  // under mu_

  std::vector<std::string> args_;
  std::mutex mu_;
  pid_t pid_ = -1;
  FILE* to_server_ = nullptr;
  FILE* from_server_ = nullptr;
  bool broken_ = false;
  std::map<std::string, std::shared_ptr<const instrument::ImageFacts>, std::less<>> answers_;
  std::vector<std::string> notes_;
};

}  // namespace traceassist::cmd
