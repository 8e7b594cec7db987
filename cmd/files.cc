// Reading inputs (files, directories, standard input) and atomic in-place rewrites.
#include "files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "traceassist/instrument/rewrite.h"

namespace traceassist::cmd {
namespace {

namespace fs = std::filesystem;

// Reads into `buffer` until it holds `size` bytes or the input ends; false on a read error.
bool Fill(int fd, char* buffer, std::size_t size, std::size_t& filled) {
  filled = 0;
  while (filled < size) {
    const ssize_t n = ::read(fd, buffer + filled, size - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads everything from `fd` into `out`. A regular file is read straight into `out` (its size plus
// one byte, to see that it ended); a pipe, or a file that grew meanwhile, in 1 MiB chunks joined
// once at the end, so the content is never held more than twice (a growing string would briefly
// hold 3x). Input over `max` bytes is not kept: `too_large` is set (a regular file is not read,
// an endless one such as /dev/zero or `yes` is read only that far).
bool ReadAll(int fd, std::string& out, std::size_t max, bool& too_large) {
  struct stat st {};
  too_large = false;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    if (static_cast<std::size_t>(st.st_size) > max) {
      too_large = true;
      return true;
    }
    out.resize(static_cast<std::size_t>(st.st_size) + 1);
    std::size_t filled = 0;
    if (!Fill(fd, out.data(), out.size(), filled)) return false;
    const bool ended = filled < out.size();
    out.resize(filled);
    if (ended) return true;
  }
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  const auto buffer = std::make_unique_for_overwrite<char[]>(kChunk);
  std::vector<std::string> chunks;
  std::size_t total = out.size();
  for (std::size_t filled = kChunk; filled == kChunk && total <= max;) {
    if (!Fill(fd, buffer.get(), kChunk, filled)) return false;
    chunks.emplace_back(buffer.get(), filled);
    total += filled;
  }
  if (total > max) {
    std::string().swap(out);
    too_large = true;
    return true;
  }
  out.reserve(total);
  for (auto& c : chunks) {
    out += c;
    std::string().swap(c);
  }
  return true;
}

bool ManifestFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace

void ExpandInputs(const std::vector<std::string>& args, std::vector<std::string>& paths,
                  std::vector<InputError>& errors) {
  for (const auto& arg : args) {
    if (arg == "-") {
      paths.push_back(arg);
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file() && ManifestFile(it->path())) found.push_back(it->path().string());
      }
      if (ec) {
        errors.push_back({arg, ec.message()});
      } else if (found.empty()) {
        errors.push_back({arg, "no manifests (*.yaml, *.yml, *.json) in this directory"});
      }
      std::sort(found.begin(), found.end());
      paths.insert(paths.end(), found.begin(), found.end());
    } else if (fs::exists(arg, ec)) {
      paths.push_back(arg);
    } else {
      errors.push_back({arg, "no such file or directory"});
    }
  }
}

bool ReadInput(const std::string& path, std::string& text, std::string& error) {
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  // The library refuses larger input; reading stops there, so an endless one ends with an error.
  const std::size_t max = instrument::TextLimits{}.max_bytes;
  bool too_large = false;
  const bool ok = ReadAll(fd, text, max, too_large);
  const int read_errno = errno;
  if (fd != STDIN_FILENO) ::close(fd);
  if (!ok) {
    error = fmt::format("read error: {}", std::strerror(read_errno));
    return false;
  }
  if (too_large) {
    error = fmt::format("larger than the {} MiB limit; split it into several files", max >> 20);
    return false;
  }
  return true;
}

bool WriteInPlace(const std::string& path, const std::string& text, std::string& error) {
  std::error_code ec;
  const fs::path target = fs::canonical(path, ec);  // through symbolic links: the file itself
  if (ec) {
    error = ec.message();
    return false;
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  std::string tmp = target.string() + ".traceassist-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    error = fmt::format("cannot create a temporary file: {}", std::strerror(errno));
    return false;
  }
  auto fail = [&](const std::string& what) {
    error = fmt::format("{}: {}", what, std::strerror(errno));
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  // Owner and group first: changing them may clear the set-id bits the mode then restores.
  if (::fchown(fd, st.st_uid, st.st_gid) != 0)
    return fail(fmt::format("cannot keep the owner and group ({}:{})", st.st_uid, st.st_gid));
  if (::fchmod(fd, st.st_mode & 07777) != 0) return fail("cannot set permissions");
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write failed");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("fsync failed");
  if (::close(fd) != 0) {
    error = fmt::format("close failed: {}", std::strerror(errno));
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    error = fmt::format("rename failed: {}", std::strerror(errno));
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace traceassist::cmd
