#include "context.hpp"

#include <unistd.h>

#include <cstdlib>

namespace fleetpatch::cli {

std::string Context::data_dir() const {
  if (!data_dir_option.empty()) return data_dir_option;
  if (const char* env_dir = std::getenv("FLEETPATCH_DATA_DIR"); env_dir && *env_dir) {
    return env_dir;
  }
  if (::geteuid() == 0) return "/var/lib/fleetpatch";
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/fleetpatch";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/fleetpatch";
}

}  // namespace fleetpatch::cli
