// Loads user detection rules from YAML (format documented in detector.h).
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "match.h"
#include "traceassist/instrument/detector.h"

namespace traceassist::instrument {
namespace {

Location Where(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {1, mark.line + 1, mark.column + 1};
}

}  // namespace

Result<std::shared_ptr<const DetectionRules>> LoadDetectionRules(std::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidInput("rules file: " + e.msg, Where(e.mark));
  }
  if (!root.IsMap() || !root["rules"] || !root["rules"].IsSequence()) {
    return Status::InvalidInput("rules file: expected a mapping with a `rules:` sequence",
                                Where(root.Mark()));
  }
  std::vector<DetectionRules::Rule> rules;
  int index = 0;
  for (const YAML::Node& item : root["rules"]) {
    ++index;
    auto fail = [&](const std::string& what, const YAML::Node& at) {
      return Status::InvalidInput(fmt::format("rules file: rule {}: {}", index, what),
                                  Where(at.Mark()));
    };
    if (!item.IsMap()) return fail("expected a mapping", item);
    DetectionRules::Rule rule{};
    int fields = 0;
    for (const auto& [name, field] :
         {std::pair{"image", DetectionRules::Rule::Field::kImage},
          std::pair{"env", DetectionRules::Rule::Field::kEnv},
          std::pair{"command", DetectionRules::Rule::Field::kCommand}}) {
      const YAML::Node value = item[name];
      if (!value) continue;
      if (!value.IsScalar() || value.Scalar().empty())
        return fail(fmt::format("`{}` must be a non-empty string", name), value);
      rule.field = field;
      rule.pattern = value.Scalar();
      ++fields;
    }
    if (fields != 1) return fail("needs exactly one of `image`, `env`, `command`", item);
    const YAML::Node language = item["language"];
    if (!language || !language.IsScalar()) return fail("needs `language`", item);
    const auto parsed = ParseLanguageOverride(language.Scalar());
    if (!parsed) {
      return fail(fmt::format("unknown language `{}`", language.Scalar()), language);
    }
    rule.language = *parsed;
    rule.confidence = Confidence::kHigh;
    if (const YAML::Node confidence = item["confidence"]) {
      const auto c = confidence.IsScalar() ? ParseConfidence(confidence.Scalar()) : std::nullopt;
      if (!c) return fail("`confidence` must be low, medium or high", confidence);
      rule.confidence = *c;
    }
    for (const auto& entry : item) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string("?");
      if (key != "image" && key != "env" && key != "command" && key != "language" &&
          key != "confidence") {
        return fail(fmt::format("unknown field `{}`", key), entry.first);
      }
    }
    rules.push_back(std::move(rule));
  }
  return std::shared_ptr<const DetectionRules>(std::make_shared<DetectionRules>(std::move(rules)));
}

}  // namespace traceassist::instrument
