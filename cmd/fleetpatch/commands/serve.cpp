// `fleetpatch serve`: the fleet server (docs/api.md) on the data directory's store, until SIGTERM
// or SIGINT, which stop accepting connections and let in-flight requests finish.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>
#include <thread>

#include "commands/commands.hpp"
#include "server/feed_importer.hpp"
#include "server/rate_limit.hpp"
#include "server/server.hpp"
#include "store/store.hpp"

namespace fleetpatch::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:8443";
  std::string tls_cert;
  std::string tls_key;
  std::string database;
  std::string enroll_secret_file;
  std::size_t max_body = 16u << 20;
  std::string rate_limit = "50/s";
  unsigned threads = 64;
  double token_cache_seconds = 5;
};

/// The running executable, for the feed importer's child process.
std::string self_executable() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "/proc/self/exe";
}

/// The enrollment secret: the file's first line, else $FLEETPATCH_ENROLL_SECRET; nullopt when
/// neither is given (enrollment disabled).
core::Result<std::optional<std::string>> enroll_secret(const Context& ctx,
                                                       const std::string& file) {
  std::string secret;
  if (!file.empty()) {
    auto text = ctx.env->read_file(file);
    if (!text.ok()) return text.error();
    secret = text->substr(0, text->find('\n'));
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    if (secret.empty()) return core::invalid_argument(file + ": the enrollment secret is empty");
  } else if (const char* env = std::getenv("FLEETPATCH_ENROLL_SECRET"); env && *env) {
    secret = env;
  } else {
    return std::optional<std::string>();
  }
  if (secret.size() < 16) {
    return core::invalid_argument("the enrollment secret must be at least 16 characters long");
  }
  return std::optional<std::string>(std::move(secret));
}

int run_serve(Context& ctx, const ServeArgs& args) {
  std::ostream& err = *ctx.err;
  const auto fail = [&](const std::string& message, int code = kExitError) {
    err << "fleetpatch serve: " << message << "\n";
    return code;
  };
  auto listen = server::parse_listen_address(args.listen);
  if (!listen.ok()) return fail(listen.error().message, kExitUsage);
  const auto rate = server::parse_rate(args.rate_limit);
  if (!rate) return fail("--rate-limit: expected N/s, N/m or 0 (off)", kExitUsage);
  auto secret = enroll_secret(ctx, args.enroll_secret_file);
  if (!secret.ok()) return fail(secret.error().message, kExitUsage);

  // Signals are taken by one thread with sigwait: blocked here, before any thread starts, so
  // every server thread inherits the mask and none is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);  // only ever sent to the watcher below, to wake it
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string data_dir = ctx.data_dir();
  auto store = store::open_store(args.database, data_dir);
  if (!store.ok()) return fail(store.error().message);

  // Every agent reporting at the same moment holds a descriptor: raise the soft limit to the
  // hard one (often 1024 against 524288) instead of refusing connections at 1,024.
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }

  server::ServerOptions options;
  options.http.host = listen->first;
  options.http.port = listen->second;
  options.http.tls_cert = args.tls_cert;
  options.http.tls_key = args.tls_key;
  options.http.max_body = args.max_body;
  options.http.threads = std::max(1u, args.threads);
  options.api.data_dir = data_dir;
  const bool enrollment = secret->has_value();
  options.api.enroll_secret = std::move(secret).value();
  options.api.rate_limit = *rate;
  options.api.token_cache_ttl =
      std::chrono::milliseconds(static_cast<std::int64_t>(args.token_cache_seconds * 1000));
  options.api.rate_burst = std::max(10.0, 2 * *rate);
  options.api.import_feed = server::process_feed_importer(self_executable(), data_dir);
  auto server = server::Server::create(**store, *ctx.clock, std::move(options));
  if (!server.ok()) return fail(server.error().message);

  const bool tls = !args.tls_cert.empty();
  err << "fleetpatch serve: listening on " << (tls ? "https" : "http") << "://"
      << (listen->first.find(':') != std::string::npos ? "[" + listen->first + "]" : listen->first)
      << ":" << (*server)->port() << " (store: " << (*store)->backend()
      << ", advisory index: " << ((*server)->api().index().get() ? "loaded" : "none yet")
      << ", enrollment: " << (enrollment ? "on" : "off") << ")" << std::endl;

  server::Server* running = server->get();
  std::thread watcher([running, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    running->stop();
  });
  const core::Status status = running->run();
  // Wakes the watcher when the server stopped on its own (a listen failure).
  pthread_kill(watcher.native_handle(), SIGUSR1);
  watcher.join();
  if (!status.ok()) return fail(status.error().message);
  err << "fleetpatch serve: stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "serve",
      "Run the fleet server: the HTTP API agents report to and people query (docs/api.md)");
  auto args = std::make_shared<ServeArgs>();
  cmd->add_option("--listen", args->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8443: this machine only)");
  cmd->add_option("--tls-cert", args->tls_cert, "PEM certificate (chain) file: serve HTTPS");
  cmd->add_option("--tls-key", args->tls_key, "PEM private key file of --tls-cert");
  cmd->add_option("--database", args->database,
                  "store URL: postgresql://... for PostgreSQL, sqlite:PATH, or empty for SQLite "
                  "in the data directory (default)");
  cmd->add_option("--enroll-secret-file", args->enroll_secret_file,
                  "file holding the secret agents enroll with (default: "
                  "$FLEETPATCH_ENROLL_SECRET; neither = enrollment disabled)");
  cmd->add_option("--max-body", args->max_body,
                  "largest request body in bytes (default 16 MiB; feed imports may need more)");
  cmd->add_option("--rate-limit", args->rate_limit,
                  "requests per token (per client address without one): N/s, N/m, or 0 = off "
                  "(default 50/s)");
  cmd->add_option("--token-cache", args->token_cache_seconds,
                  "seconds a token found valid is remembered instead of looked up again; a token "
                  "revoked through this server is refused at once, one revoked elsewhere within "
                  "this time (default 5; 0 = look every request's token up)")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--threads", args->threads,
                  "worker threads: each answers one request at a time, for any connection "
                  "(default 64)");
  cmd->callback([&ctx, exit_code, args] { *exit_code = run_serve(ctx, *args); });
}

}  // namespace fleetpatch::cli
