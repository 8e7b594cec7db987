// A success-or-error value for the library's public functions. No exception escapes instrument/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace traceassist::instrument {

// Where an input error is. Numbers are 1-based; 0 means "not known".
struct Location {
  int document = 0;
  int line = 0;
  int column = 0;
};

// What kind of failure an error is: a shell picks its answer by code (the HTTP API: 400 for bad
// input, 500 for internal errors), never by matching the message.
enum class StatusCode : std::uint8_t {
  kOk,
  kInvalidInput,       // the input is not what it must be (not YAML, bad UTF-8, a bad value)
  kUnsupportedLayout,  // valid input laid out in a way the library cannot handle
  kLimitExceeded,      // a size, depth, expansion or memory limit was reached
  kInternal,           // a bug or an unexpected failure inside the library
  kIo,                 // reading or writing a file failed (shells only; the library does no I/O)
};
// "invalid_input", "unsupported_layout", "limit_exceeded", "internal", "io", "ok".
std::string_view ToString(StatusCode code);

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(StatusCode code, std::string message, Location where = {}) {
    Status s;
    s.code_ = code;
    s.message_ = std::move(message);
    s.where_ = where;
    return s;
  }
  static Status InvalidInput(std::string message, Location where = {}) {
    return Error(StatusCode::kInvalidInput, std::move(message), where);
  }
  static Status UnsupportedLayout(std::string message, Location where = {}) {
    return Error(StatusCode::kUnsupportedLayout, std::move(message), where);
  }
  static Status LimitExceeded(std::string message, Location where = {}) {
    return Error(StatusCode::kLimitExceeded, std::move(message), where);
  }
  static Status Internal(std::string message, Location where = {}) {
    return Error(StatusCode::kInternal, std::move(message), where);
  }
  static Status Io(std::string message) { return Error(StatusCode::kIo, std::move(message)); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const Location& where() const { return where_; }
  // "document 2, line 7, column 3: <message>" (the parts that are known).
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  Location where_;
};

// Either a value or an error Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  Result(Status error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace traceassist::instrument
