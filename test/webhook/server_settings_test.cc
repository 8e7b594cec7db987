// The settings table (KnownSettings) is the one source of names, ranges, defaults and docs.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "traceassist/analytics/postgres_sink.h"
#include "traceassist/webhook/server_config.h"

namespace ta = traceassist::analytics;
namespace tw = traceassist::webhook;

TEST_CASE("the README's settings table is the one KnownSettings() renders") {
  std::ifstream in(std::string(TRACEASSIST_SOURCE_DIR) + "/README.md");
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string table = tw::SettingsMarkdownTable();
  const bool found = text.str().find(table) != std::string::npos;
  if (!found) std::ofstream("settings_table.expected.md") << table;
  INFO("README.md must contain the table written to settings_table.expected.md");
  CHECK(found);
}

TEST_CASE("every integer setting accepts its range ends and refuses one past them") {
  for (const tw::SettingInfo& setting : tw::KnownSettings()) {
    if (setting.min >= setting.max || setting.describe == nullptr) continue;
    INFO(setting.env);
    // One setting with `value` (built step by step: GCC 12 warns falsely on the braced form).
    const auto with = [&setting](long long value) {
      tw::Settings settings;
      settings[setting.env] = std::to_string(value);
      return settings;
    };
    CHECK_NOTHROW(tw::ParseServerConfig(with(setting.max)));
    CHECK_NOTHROW(tw::ParseServerConfig(with(setting.min)));
    CHECK_THROWS_AS(tw::ParseServerConfig(with(setting.max + 1)), tw::ConfigError);
    CHECK_THROWS_AS(tw::ParseServerConfig(with(setting.min - 1)), tw::ConfigError);
  }
}

TEST_CASE("the logged configuration has one entry per described setting, defaults as documented") {
  const nlohmann::json described = tw::DescribeConfig(tw::ParseServerConfig({}));
  for (const tw::SettingInfo& setting : tw::KnownSettings()) {
    INFO(setting.env);
    CHECK(described.contains(setting.name) == (setting.describe != nullptr));
    // The table states a default only where the struct's own cannot be shown as it is.
    if (setting.default_text == nullptr && std::string_view(setting.name) != "threads") {
      const nlohmann::json& value = described[setting.name];
      CHECK((value.is_string() ? value.get<std::string>() : value.dump()) ==
            tw::DefaultText(setting));
    }
  }
  CHECK(described.at("api_tokens").get<std::string>() == "off");
  CHECK_FALSE(described.at("tls").get<bool>());
}

TEST_CASE("config file keys are the table's names, in any case") {
  const std::string path = "settings_test_config.yaml";
  {
    std::ofstream out(path);
    out << "PORT: 9000\ndatabase_url: postgresql://x\nmax_body_bytes: 2048\n";
  }
  const tw::Settings settings = tw::LoadConfigFile(path);
  CHECK(settings.at("TRACEASSIST_PORT") == "9000");
  CHECK(settings.at("DATABASE_URL") == "postgresql://x");
  CHECK(settings.at("TRACEASSIST_MAX_BODY_BYTES") == "2048");
  {
    std::ofstream out(path);
    out << "config_file: other.yaml\n";
  }
  CHECK_THROWS_AS(tw::LoadConfigFile(path), tw::ConfigError);
  std::remove(path.c_str());
}

// Analytics parses its own settings (ParseAnalyticsConfig); the table only documents them, so the
// two must say the same: the table's default is AnalyticsConfig's, and its range is what the
// parser accepts, to the end and not one past it.
TEST_CASE("the table's analytics defaults and ranges are the analytics parser's") {
  const ta::AnalyticsConfig defaults;
  const std::map<std::string, std::string> expected_default = {
      {"TRACEASSIST_ANALYTICS_QUEUE", std::to_string(defaults.queue_capacity)},
      {"TRACEASSIST_ANALYTICS_RETENTION_DAYS", std::to_string(defaults.retention_days)}};
  int checked = 0;
  for (const tw::SettingInfo& setting : tw::KnownSettings()) {
    const auto it = expected_default.find(setting.env);
    if (it == expected_default.end()) continue;
    INFO(setting.env);
    ++checked;
    CHECK(tw::DefaultText(setting) == it->second);
    const std::string range = setting.values;  // "LOW-HIGH"
    const auto dash = range.find('-', 1);
    REQUIRE(dash != std::string::npos);
    const long long low = std::stoll(range.substr(0, dash));
    const long long high = std::stoll(range.substr(dash + 1));
    const auto parse = [&setting](long long value) {
      const std::string text = std::to_string(value);
      return ta::ParseAnalyticsConfig(
          [&](std::string_view name) -> std::optional<std::string> {
            if (name == setting.env) return text;
            return std::nullopt;
          },
          "test");
    };
    CHECK_NOTHROW(parse(low));
    CHECK_NOTHROW(parse(high));
    CHECK_THROWS(parse(low - 1));
    CHECK_THROWS(parse(high + 1));
  }
  CHECK(checked == 2);
}
