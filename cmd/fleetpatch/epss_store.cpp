#include "epss_store.hpp"

#include <filesystem>
#include <fstream>
#include <ostream>

#include "feed/epss/epss.hpp"

namespace fleetpatch::cli {

namespace fs = std::filesystem;

std::string epss_store_path(const Context& ctx) {
  return (fs::path(ctx.data_dir()) / "epss.csv").string();
}

int import_epss_files(Context& ctx, const std::vector<std::string>& paths,
                      std::vector<std::string>& rest) {
  std::ostream& err = *ctx.err;
  rest.clear();
  std::vector<std::string> epss_paths;
  for (const auto& p : paths) (feed::epss::is_epss_file(p) ? epss_paths : rest).push_back(p);
  if (epss_paths.empty()) return kExitOk;
  if (epss_paths.size() > 1) {
    err << "fleetpatch feed import: give one EPSS file at a time (each import replaces the "
           "stored scores)\n";
    return kExitUsage;
  }
  core::Diagnostics diags;
  auto data = feed::epss::read_file(epss_paths.front(), diags);
  for (const auto& d : diags.items())
    err << "warning: skipped bad EPSS row: " << d.to_string() << "\n";
  if (!data.ok()) {
    err << "fleetpatch feed import: " << data.error().message << "\n";
    return kExitError;
  }
  if (data->rows.empty()) {
    err << "fleetpatch feed import: no EPSS scores in " << epss_paths.front()
        << "; the stored scores were not changed\n";
    return kExitError;
  }
  const std::string path = epss_store_path(ctx);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << feed::epss::write_csv(*data);
    out.flush();
    if (!out) {
      err << "fleetpatch feed import: cannot write " << tmp << "\n";
      return kExitError;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    err << "fleetpatch feed import: " << path << ": " << ec.message() << "\n";
    return kExitError;
  }
  *ctx.out << "imported " << data->rows.size() << " EPSS scores"
           << (data->model_version.empty() ? "" : " (model " + data->model_version + ")") << ": "
           << path << "\n";
  return kExitOk;
}

core::Result<std::optional<policy::EpssScores>> load_epss_scores(const Context& ctx,
                                                                 const std::string& path,
                                                                 std::string* model) {
  if (model != nullptr) model->clear();
  const std::string file = path.empty() ? epss_store_path(ctx) : path;
  if (path.empty() && !ctx.env->exists(file)) return std::optional<policy::EpssScores>();
  core::Diagnostics diags;
  auto data = feed::epss::read_file(file, diags);
  if (!data.ok()) return data.error();
  if (!diags.empty()) {
    *ctx.err << "warning: " << diags.size()
             << " bad EPSS row(s), first: " << diags.items().front().to_string() << "\n";
  }
  std::optional<policy::EpssScores> scores(std::in_place);
  for (auto& row : data->rows) scores->add(std::move(row.cve), {row.epss, row.percentile});
  scores->model_version = data->model_version;
  scores->score_date = data->score_date;
  if (model != nullptr) {
    *model = data->model_version.empty() ? "EPSS" : "EPSS " + data->model_version;
    if (!data->score_date.empty()) *model += " (" + data->score_date + ")";
  }
  return scores;
}

}  // namespace fleetpatch::cli
