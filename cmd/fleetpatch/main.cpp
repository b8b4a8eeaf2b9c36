#include <iostream>

#include "commands/commands.hpp"
#include "context.hpp"
#include "platform/posix_env.hpp"

namespace {

int run(int argc, char** argv) {
  using namespace fleetpatch;
  platform::PosixEnv env;
  platform::SystemClock clock;
  cli::Context ctx;
  ctx.env = &env;
  ctx.clock = &clock;
  ctx.out = &std::cout;
  ctx.err = &std::cerr;

  CLI::App app{"fleetpatch: keep Linux fleets patched within compliance deadlines"};
  app.set_version_flag("--version", std::string("fleetpatch ") + FLEETPATCH_VERSION);
  app.add_option("--data-dir", ctx.data_dir_option,
                 "data directory (default: $FLEETPATCH_DATA_DIR, /var/lib/fleetpatch for root, "
                 "$XDG_DATA_HOME/fleetpatch otherwise)");
  app.require_subcommand(1);

  int exit_code = cli::kExitOk;
  for (const auto& command : cli::kCommands) command.add(app, ctx, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : cli::kExitUsage;
  }
  std::cout.flush();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // Commands report their errors as results; an exception reaching here is a bug (or memory
  // exhaustion). Say so and exit with the error status instead of aborting with a core dump.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "fleetpatch: internal error: " << e.what() << std::endl;
  } catch (...) {
    std::cerr << "fleetpatch: internal error" << std::endl;
  }
  return fleetpatch::cli::kExitError;
}
