#include "traceassist/registry/image_facts_json.h"

namespace traceassist::registry {

using nlohmann::json;

nlohmann::json ImageFactsToJson(const instrument::ImageFacts& f) {
  json out = {
      {"reference", f.reference},   {"digest", f.digest},     {"env", f.env},
      {"entrypoint", f.entrypoint}, {"cmd", f.cmd},           {"working_dir", f.working_dir},
      {"history", f.history},       {"labels", json::array()}};
  for (const auto& [k, v] : f.labels) out["labels"].push_back({k, v});
  if (f.entry_binary) {
    out["entry_binary"] = {{"path", f.entry_binary->path},
                           {"go_build_info", f.entry_binary->go_build_info},
                           {"go_version", f.entry_binary->go_version},
                           {"interpreter", f.entry_binary->interpreter}};
  }
  return out;
}

std::shared_ptr<instrument::ImageFacts> ImageFactsFromJson(const nlohmann::json& in) {
  try {
    auto f = std::make_shared<instrument::ImageFacts>();
    f->reference = in.value("reference", "");
    f->digest = in.at("digest").get<std::string>();
    f->env = in.at("env").get<std::vector<std::string>>();
    f->entrypoint = in.at("entrypoint").get<std::vector<std::string>>();
    f->cmd = in.at("cmd").get<std::vector<std::string>>();
    f->working_dir = in.at("working_dir").get<std::string>();
    f->history = in.at("history").get<std::vector<std::string>>();
    for (const auto& pair : in.at("labels")) f->labels.emplace_back(pair.at(0), pair.at(1));
    if (const auto b = in.find("entry_binary"); b != in.end()) {
      f->entry_binary = instrument::BinaryFacts{b->at("path"), b->at("go_build_info"),
                                                b->at("go_version"), b->at("interpreter")};
    }
    return f;
  } catch (const json::exception&) {
    return nullptr;  // a file from another version or a torn write: a miss
  }
}

}  // namespace traceassist::registry
