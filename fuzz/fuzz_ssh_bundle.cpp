// Fuzz target for the SSH answer parser: no crash, and whatever it accepts is a consistent
// in-memory tree (every listed name exists, files read back).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hoststate/ssh.hpp"

namespace {

void walk(const fleetpatch::hoststate::MemoryEnv& env, const std::string& dir, int depth) {
  if (depth > 16) return;
  const auto names = env.list_directory(dir);
  if (!names.ok()) return;
  const std::string prefix = dir == "/" ? "/" : dir + "/";
  for (const auto& name : *names) {
    const std::string path = prefix + name;
    if (!env.exists(path)) std::abort();
    if (env.is_directory(path)) walk(env, path, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto env = fleetpatch::hoststate::parse_bundle(text, "--b");
  if (env.ok()) walk(*env, "/", 0);
  return 0;
}
