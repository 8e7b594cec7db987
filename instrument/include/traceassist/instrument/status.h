// A success-or-error value for the library's public functions. No exception escapes instrument/.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace traceassist::instrument {

// Where an input error is. Numbers are 1-based; 0 means "not known".
struct Location {
  int document = 0;
  int line = 0;
  int column = 0;
};

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message, Location where = {}) {
    Status s;
    s.ok_ = false;
    s.message_ = std::move(message);
    s.where_ = where;
    return s;
  }
  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }
  const Location& where() const { return where_; }
  // "document 2, line 7, column 3: <message>" (the parts that are known).
  std::string ToString() const;

 private:
  bool ok_ = true;
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
