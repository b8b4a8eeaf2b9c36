// `fleetpatch version compare deb|rpm|apk A B` and `version compare --batch FILE`.
#include "version/version.hpp"

#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include "commands/commands.hpp"

namespace fleetpatch::cli {
namespace {

char order_symbol(int cmp) { return cmp < 0 ? '<' : (cmp > 0 ? '>' : '='); }

core::PackageFormat scheme_from_name(const std::string& name) {
  if (name == "deb" || name == "dpkg") return core::PackageFormat::kDpkg;
  if (name == "rpm") return core::PackageFormat::kRpm;
  if (name == "apk") return core::PackageFormat::kApk;
  return core::PackageFormat::kUnknown;
}

int run_batch(const Context& ctx, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    *ctx.err << "fleetpatch: cannot open " << path << "\n";
    return kExitError;
  }
  std::string line;
  std::size_t line_no = 0;
  int rc = kExitOk;
  std::string output;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto tab1 = line.find('\t');
    const auto tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
    if (tab2 == std::string::npos || line.find('\t', tab2 + 1) != std::string::npos) {
      *ctx.err << path << ":" << line_no
               << ": expected ECOSYSTEM<TAB>A<TAB>B (ecosystem deb, rpm or apk)\n";
      output += "?\n";
      rc = kExitError;
      continue;
    }
    const auto format = scheme_from_name(line.substr(0, tab1));
    if (format == core::PackageFormat::kUnknown) {
      *ctx.err << path << ":" << line_no << ": unknown ecosystem '" << line.substr(0, tab1)
               << "' (use deb, rpm or apk)\n";
      output += "?\n";
      rc = kExitError;
      continue;
    }
    auto cmp = version::compare(format, std::string_view(line).substr(tab1 + 1, tab2 - tab1 - 1),
                                std::string_view(line).substr(tab2 + 1));
    if (!cmp.ok()) {
      *ctx.err << path << ":" << line_no << ": " << cmp.error().message << "\n";
      output += "?\n";
      rc = kExitError;
      continue;
    }
    output += order_symbol(*cmp);
    output += '\n';
  }
  *ctx.out << output;
  return rc;
}

}  // namespace

void add_version_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* version = app.add_subcommand("version", "Version utilities");
  version->require_subcommand(1);
  auto* compare = version->add_subcommand(
      "compare", "Compare two versions as the distribution does: prints <, = or >");
  struct Args {
    std::string ecosystem, a, b, batch;
  };
  auto args = std::make_shared<Args>();
  compare->add_option("ecosystem", args->ecosystem, "deb, rpm or apk");
  compare->add_option("a", args->a, "first version");
  compare->add_option("b", args->b, "second version");
  compare->add_option("--batch", args->batch,
                      "file of lines ECOSYSTEM<TAB>A<TAB>B; prints one result per line");
  compare->callback([&ctx, exit_code, args] {
    if (!args->batch.empty()) {
      *exit_code = run_batch(ctx, args->batch);
      return;
    }
    if (args->ecosystem.empty() || args->a.empty() || args->b.empty()) {
      *ctx.err << "fleetpatch version compare: give ECOSYSTEM A B, or --batch FILE\n";
      *exit_code = kExitUsage;
      return;
    }
    const auto format = scheme_from_name(args->ecosystem);
    if (format == core::PackageFormat::kUnknown) {
      *ctx.err << "fleetpatch version compare: unknown ecosystem '" << args->ecosystem
               << "' (use deb, rpm or apk)\n";
      *exit_code = kExitUsage;
      return;
    }
    auto cmp = version::compare(format, args->a, args->b);
    if (!cmp.ok()) {
      *ctx.err << "fleetpatch version compare: " << cmp.error().message << "\n";
      *exit_code = kExitError;
      return;
    }
    *ctx.out << order_symbol(*cmp) << "\n";
    *exit_code = kExitOk;
  });
}

}  // namespace fleetpatch::cli
