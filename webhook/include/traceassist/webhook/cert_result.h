// The certificate code's own success-or-error values: an error is a sentence that says what
// failed and why (OpenSSL's reason included). Kept apart from instrument::Status, whose codes and
// locations describe manifest input.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace traceassist::webhook {

class CertStatus {
 public:
  CertStatus() = default;
  static CertStatus Ok() { return CertStatus(); }
  static CertStatus Error(std::string message) {
    CertStatus s;
    s.ok_ = false;
    s.message_ = std::move(message);
    return s;
  }
  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }
  std::string ToString() const { return ok_ ? "ok" : message_; }

 private:
  bool ok_ = true;
  std::string message_;
};

// Either a value or an error CertStatus.
template <typename T>
class CertResult {
 public:
  CertResult(T value) : v_(std::move(value)) {}           // NOLINT(google-explicit-constructor)
  CertResult(CertStatus error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const CertStatus& status() const {
    static const CertStatus kOk;
    return ok() ? kOk : std::get<CertStatus>(v_);
  }

 private:
  std::variant<T, CertStatus> v_;
};

}  // namespace traceassist::webhook
