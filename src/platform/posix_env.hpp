// The real Env over the POSIX file system, and the system clock.
#pragma once

#include "core/env.hpp"
#include "core/time.hpp"

namespace fleetpatch::platform {

/// Reads the real file system. Stateless, so safe from any thread.
class PosixEnv final : public core::Env {
 public:
  core::Result<std::string> read_file(const std::string& path) const override;
  bool exists(const std::string& path) const override;
  bool is_directory(const std::string& path) const override;
  core::Result<std::vector<std::string>> list_directory(const std::string& path) const override;
  core::Result<std::string> read_link(const std::string& path) const override;
};

class SystemClock final : public core::Clock {
 public:
  core::TimePoint now() const override;
};

}  // namespace fleetpatch::platform
