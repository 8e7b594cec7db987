// Reading a container's command line and image name as words, for the detector (private).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace traceassist::instrument {

using Words = std::vector<std::string>;

// Splits a shell script into simple commands (`;`, `&`, `|`, newlines, parentheses and backquotes
// end one) of words (whitespace, quotes and redirections separate them).
std::vector<Words> ShellCommands(std::string_view script);

// The index of the word a simple command runs: past shell keywords, variable assignments and
// wrappers (`exec`, `env A=b`, `tini --`, `gosu user`) with their options. argv.size() when none.
std::size_t ProgramIndex(const Words& argv);

// Words of the image repository, without a registry host: "ghcr.io/shop/orders-java" -> shop,
// orders, java.
Words ImageTokens(std::string_view repository);

}  // namespace traceassist::instrument
