#include "server/feed_importer.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace fleetpatch::server {
namespace {

core::Result<std::string> run_import(const std::string& binary, const std::string& data_dir,
                                     const std::vector<std::string>& paths) {
  if (paths.empty()) return core::invalid_argument("no feed file given");
  // Output goes to a file beside the upload (the first path's directory, which the API creates
  // per import), read back once the child exits.
  const std::string log = paths.front() + ".log";
  std::vector<std::string> args = {binary, "--data-dir", data_dir, "feed", "import"};
  args.insert(args.end(), paths.begin(), paths.end());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return core::Error{core::ErrorCode::kInternal,
                       "cannot run " + binary + " feed import: " + std::strerror(rc)};
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return core::Error{core::ErrorCode::kInternal,
                         std::string("waiting for feed import: ") + std::strerror(errno)};
    }
  }
  std::ostringstream output;
  output << std::ifstream(log).rdbuf();
  std::string text = output.str();
  // The child names the upload's temporary path; the caller knows the file by its own name.
  for (const auto& p : paths) {
    for (auto at = text.find(p); at != std::string::npos; at = text.find(p, at)) {
      const std::string name = p.substr(p.find_last_of('/') + 1);
      text.replace(at, p.size(), name);
      at += name.size();
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return core::invalid_argument("feed import failed: " + text);
  }
  return text;
}

}  // namespace

FeedImporter process_feed_importer(std::string binary, std::string data_dir) {
  return [binary = std::move(binary), data_dir = std::move(data_dir)](
             const std::vector<std::string>& paths) { return run_import(binary, data_dir, paths); };
}

}  // namespace fleetpatch::server
