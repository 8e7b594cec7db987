// Reading a container's command line and image name as words (private to the library).
#include "command_words.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "detector_rules.h"
#include "match.h"

namespace traceassist::instrument {

std::vector<Words> ShellCommands(std::string_view script) {
  std::vector<Words> commands(1);
  std::string current;
  auto end_word = [&] {
    if (!current.empty()) commands.back().push_back(std::move(current));
    current.clear();
  };
  for (char c : script) {
    if (std::string_view(";&|()`\n").find(c) != std::string_view::npos) {
      end_word();
      if (!commands.back().empty()) commands.emplace_back();
    } else if (std::isspace(static_cast<unsigned char>(c)) ||
               std::string_view("\"'<>").find(c) != std::string_view::npos) {
      end_word();
    } else {
      current.push_back(c);
    }
  }
  end_word();
  if (commands.back().empty()) commands.pop_back();
  return commands;
}

namespace {

// "NAME=value" before a command sets a variable for it.
bool IsAssignment(std::string_view word) {
  const auto eq = word.find('=');
  if (eq == std::string_view::npos || eq == 0 || std::isdigit(static_cast<unsigned char>(word[0])))
    return false;
  return std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace

std::size_t ProgramIndex(const Words& argv) {
  static constexpr std::string_view kKeywords[] = {"if", "then", "do", "else", "elif", "!", "{"};
  std::size_t i = 0;
  bool after_wrapper = false;
  while (i < argv.size()) {
    const std::string& w = argv[i];
    const std::string name = ToLower(Basename(w));
    if (std::find(std::begin(kKeywords), std::end(kKeywords), w) != std::end(kKeywords) ||
        IsAssignment(w)) {
      ++i;
    } else if (const auto wrappers = rules::Wrappers();
               std::find(wrappers.begin(), wrappers.end(), name) != wrappers.end()) {
      ++i;
      if ((name == "gosu" || name == "su-exec") && i < argv.size()) ++i;  // the user
      after_wrapper = true;
    } else if (after_wrapper && !w.empty() && w[0] == '-') {
      ++i;  // a wrapper's option: `nice -n 5`, `dumb-init --single-child`
      if (w == "-n" && i < argv.size()) ++i;
    } else {
      break;
    }
  }
  return i;
}

Words ImageTokens(std::string_view repository) {
  const auto slash = repository.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view first = repository.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost")
      repository.remove_prefix(slash + 1);
  }
  Words tokens;
  std::string current;
  for (char c : repository) {
    if (std::string_view("/-_.").find(c) != std::string_view::npos) {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

}  // namespace traceassist::instrument
