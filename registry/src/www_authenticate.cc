#include "www_authenticate.h"

#include <cctype>

#include "traceassist/common/text.h"

namespace traceassist::registry {
namespace {

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[i_]; }
  void SkipSpace() {
    while (!AtEnd() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  void SkipSpaceAndCommas() {
    while (!AtEnd() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
  }
  std::string_view Token() {
    const auto start = i_;
    while (!AtEnd() && IsTokenChar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  // After the opening quote: up to the closing one, with backslash escapes. False if unterminated.
  bool Quoted(std::string& out) {
    while (!AtEnd()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (c == '\\' && !AtEnd()) c = s_[i_++];
      out.push_back(c);
    }
    return false;
  }
  std::size_t Position() const { return i_; }
  void Rewind(std::size_t position) { i_ = position; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::vector<Challenge> ParseWwwAuthenticate(std::string_view header) {
  std::vector<Challenge> challenges;
  Scanner in(header);
  in.SkipSpaceAndCommas();
  while (!in.AtEnd()) {
    const auto scheme = in.Token();
    if (scheme.empty()) break;
    Challenge challenge{common::ToLower(scheme), {}};
    in.SkipSpace();
    // auth-params: name = value, separated by commas; a token not followed by '=' starts the next
    // challenge.
    while (!in.AtEnd()) {
      in.SkipSpaceAndCommas();
      const auto mark = in.Position();
      const auto name = in.Token();
      in.SkipSpace();
      if (name.empty() || !in.Consume('=')) {
        in.Rewind(mark);
        break;
      }
      in.SkipSpace();
      std::string value;
      if (in.Consume('"')) {
        if (!in.Quoted(value)) {
          challenges.push_back(std::move(challenge));
          return challenges;
        }
      } else {
        value = in.Token();
      }
      challenge.params[common::ToLower(name)] = std::move(value);
    }
    challenges.push_back(std::move(challenge));
    const auto before = in.Position();
    in.SkipSpaceAndCommas();
    if (in.Position() == before && !in.AtEnd() && !IsTokenChar(in.Peek())) break;
  }
  return challenges;
}

}  // namespace traceassist::registry
