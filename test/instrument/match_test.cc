// The library's private matching and text helpers (instrument/src/match.h): image globs through
// fnmatch(3), the one lower-case and the one split helper.
#include "match.h"

#include <fnmatch.h>

#include <catch2/catch.hpp>
#include <string>

using namespace traceassist::instrument;

TEST_CASE("a '*' glob matches as it always did: any run, '/' included") {
  CHECK(GlobMatch("*", ""));
  CHECK(GlobMatch("registry.example.com/payments/*", "registry.example.com/payments/core"));
  CHECK(GlobMatch("registry.example.com/payments/*", "registry.example.com/payments/a/b"));
  CHECK_FALSE(GlobMatch("registry.example.com/payments/*", "registry.example.com/ledger/core"));
  CHECK(GlobMatch("*autoinstrumentation-*", "ghcr.io/otel/autoinstrumentation-java"));
  CHECK(GlobMatch("*/apache-tomcat-*/bin/*.sh", "/opt/apache-tomcat-10.1/bin/catalina.sh"));
  CHECK_FALSE(GlobMatch("redis", "redis-stack"));
  CHECK(GlobMatch("bitnami/redis*", "bitnami/redis-cluster"));
}

TEST_CASE("fnmatch globs: '?' is one character, '[...]' a set, a backslash quotes") {
  CHECK(GlobMatch("team-?/api", "team-a/api"));
  CHECK_FALSE(GlobMatch("team-?/api", "team-ab/api"));
  CHECK(GlobMatch("payments/v[12]", "payments/v2"));
  CHECK_FALSE(GlobMatch("payments/v[12]", "payments/v3"));
  CHECK(GlobMatch("payments/[!t]*", "payments/core"));
  CHECK_FALSE(GlobMatch("payments/[!t]*", "payments/test"));
  CHECK(GlobMatch("odd\\*name", "odd*name"));
  CHECK_FALSE(GlobMatch("odd\\*name", "oddxname"));
}

TEST_CASE("GlobMatch answers as fnmatch(3) does ('*'-only patterns are matched without it)") {
  const std::string patterns[] = {"",      "*",     "**",    "a*",     "*a",     "*a*",  "a*b*c",
                                  "*/",    "*.sh",  "x*/*y", "*a*a*",  "ab**ba", ".*",   "*/.*",
                                  "a?",    "*?c",   "?",     "a[bc]*", "*[!/]",  "a\\*", "*\\?",
                                  "b*a?a", "[ab]*", "a*\\",  "a[",     "*b[]"};
  const std::string texts[] = {"",        "a",   "ab",      "abc", "a/b/c", "ba", "aXbYc", "abba",
                               "/opt/.x", "x/y", "xx/a/yy", ".a",  "a.sh",  "a*", "a?",    "a["};
  for (const auto& pattern : patterns) {
    for (const auto& text : texts) {
      INFO(pattern << " ~ " << text);
      CHECK(GlobMatch(pattern, text) == (fnmatch(pattern.c_str(), text.c_str(), 0) == 0));
    }
  }
  using namespace std::string_literals;
  CHECK_FALSE(GlobMatch("a?", "a\0b"s));  // fnmatch would stop reading at the NUL
  CHECK(GlobMatch("a*", "a\0b"s));
}

TEST_CASE("an image pattern matches the repository or a tail after a '/'") {
  CHECK(ImagePatternMatches("payments/*", "registry.example.com/payments/core"));
  CHECK(ImagePatternMatches("payments/cor?", "registry.example.com/payments/core"));
  CHECK_FALSE(ImagePatternMatches("ayments/*", "registry.example.com/payments/core"));
  CHECK(RuntimeImagePatternMatches("node", "docker.io/library/node"));
  CHECK_FALSE(RuntimeImagePatternMatches("node", "calico/node"));
}

TEST_CASE("one lower-case and one split helper") {
  CHECK(ToLower("Eclipse-Temurin:21") == "eclipse-temurin:21");
  CHECK(Split("a, ,b", ',') == std::vector<std::string>{"a", "b"});
  CHECK(Split(" java =app ,\tgo", ',') == std::vector<std::string>{"java =app", "go"});
  CHECK(Split("", ',').empty());
  CHECK(Split(",,", ',').empty());
}
