#include "binary_facts.h"

#include <cstdint>
#include <cstring>

namespace traceassist::registry {
namespace {

constexpr std::string_view kGoBuildInfoMagic("\xff Go buildinf:", 14);

std::uint64_t Read(std::string_view bytes, std::size_t offset, std::size_t width, bool big_endian) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const auto byte = static_cast<std::uint8_t>(bytes[offset + (big_endian ? i : width - 1 - i)]);
    value = value << 8 | byte;
  }
  return value;
}

std::string Interpreter(std::string_view bytes) {
  const bool is64 = bytes[4] == 2, big = bytes[5] == 2;
  if (bytes.size() < (is64 ? 64u : 52u)) return {};
  const std::uint64_t phoff = is64 ? Read(bytes, 32, 8, big) : Read(bytes, 28, 4, big);
  const std::uint64_t phentsize = Read(bytes, is64 ? 54 : 42, 2, big);
  const std::uint64_t phnum = Read(bytes, is64 ? 56 : 44, 2, big);
  if (phentsize < (is64 ? 56u : 32u)) return {};
  for (std::uint64_t i = 0; i < phnum; ++i) {
    const std::uint64_t at = phoff + i * phentsize;
    if (at > bytes.size() || bytes.size() - at < phentsize) return {};
    if (Read(bytes, at, 4, big) != 3) continue;  // PT_INTERP
    const std::uint64_t offset = is64 ? Read(bytes, at + 8, 8, big) : Read(bytes, at + 4, 4, big);
    const std::uint64_t size = is64 ? Read(bytes, at + 32, 8, big) : Read(bytes, at + 16, 4, big);
    if (offset > bytes.size() || size > bytes.size() - offset || size > 4096) return {};
    std::string_view path = bytes.substr(offset, size);
    return std::string(path.substr(0, path.find('\0')));
  }
  return {};
}

// Go 1.18+ writes the version inline after the 32-byte header when flag bit 2 is set, as a uvarint
// length and the bytes ("go1.22.5"). Older binaries point at it through the data segment instead;
// for them only the presence of build info is reported.
std::string InlineVersion(std::string_view bytes, std::size_t header) {
  if (bytes.size() - header < 32) return {};
  if ((static_cast<std::uint8_t>(bytes[header + 15]) & 2) == 0) return {};
  std::size_t at = header + 32;
  std::uint64_t length = 0;
  for (int shift = 0; at < bytes.size() && shift < 64; shift += 7) {
    const auto byte = static_cast<std::uint8_t>(bytes[at++]);
    length |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  if (length == 0 || length > 64 || length > bytes.size() - at) return {};
  return std::string(bytes.substr(at, length));
}

}  // namespace

bool ReadBinaryFacts(std::string_view bytes, instrument::BinaryFacts& out) {
  if (bytes.size() < 16 ||
      bytes.substr(0, 4) !=
          "\x7f"
          "ELF" ||
      (bytes[4] != 1 && bytes[4] != 2))
    return false;
  out.interpreter = Interpreter(bytes);
  // The header is 16-byte aligned in the .go.buildinfo section.
  for (std::size_t at = bytes.find(kGoBuildInfoMagic); at != std::string_view::npos;
       at = bytes.find(kGoBuildInfoMagic, at + 1)) {
    if (at % 16 != 0) continue;
    out.go_build_info = true;
    out.go_version = InlineVersion(bytes, at);
    break;
  }
  return true;
}

}  // namespace traceassist::registry
