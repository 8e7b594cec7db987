// The reason table: every code is unique, parses back, formats, and labels stay bounded.
#include "traceassist/instrument/reason.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using namespace traceassist::instrument;

TEST_CASE("every reason code is unique, snake_case and parses back to its reason") {
  std::set<std::string_view> codes;
  for (const ReasonInfo& info : Reasons()) {
    CHECK(codes.insert(info.code).second);
    CHECK(info.code.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
    REQUIRE(ParseReason(info.code).has_value());
    CHECK(*ParseReason(info.code) == info.reason);
    CHECK(ToString(info.reason) == info.code);
    CHECK(&Info(info.reason) == &info);
  }
  CHECK(codes.size() == Reasons().size());
  CHECK_FALSE(ParseReason("no_such_reason").has_value());
}

TEST_CASE("every sentence formats with the reason arguments") {
  const ReasonArgs args{.lang = "java", .confidence = "low", .key = "k", .detail = "d"};
  for (const ReasonInfo& info : Reasons()) {
    CAPTURE(info.code);
    CHECK_NOTHROW(FormatReason(info.message, args));
    CHECK_NOTHROW(FormatReason(info.admission_text, args));
    // A reason that warns says something in both shells.
    if (info.warns != Warns::kNever) CHECK_FALSE(info.admission_text.empty());
  }
  CHECK(FormatReason(Info(Reason::kLowConfidence).admission_text, args) ==
        "java detection uncertain; set traceassist.io/language");
}

TEST_CASE("a metric label is a known code, empty, or `other`") {
  CHECK(ReasonLabel("go_disabled") == "go_disabled");
  CHECK(ReasonLabel("") == "");
  CHECK(ReasonLabel("anything else, unbounded") == "other");
}
