// Result<T>: a value or an Error, for failures the caller is expected to handle (an unreadable
// file, a malformed version string). Exceptions stay reserved for broken invariants and start-up
// failures (STYLE.md 5).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace fleetpatch::core {

/// Broad class of an expected failure; callers branch on it, users read `message`.
enum class ErrorCode {
  kInvalidArgument,  // the input itself is malformed (bad version string, bad JSON)
  kNotFound,         // a file, package database or record that should be there is not
  kIo,               // the OS refused: permission, read error, short write
  kUnsupported,      // well-formed but not something we handle (unknown schema, format)
  kNetwork,          // a download failed
  kInternal,         // a dependency library failed in a way we did not expect
};

/// An expected failure with a message meant for a human: it names the file, line or record.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error invalid_argument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
inline Error not_found(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
inline Error io_error(std::string message) { return {ErrorCode::kIo, std::move(message)}; }
inline Error unsupported(std::string message) {
  return {ErrorCode::kUnsupported, std::move(message)};
}

/// Either a T or an Error. Accessing the wrong alternative is a programming error (asserts).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

/// Result<void>: success, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace fleetpatch::core
