#include "hoststate/livepatch.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

namespace fleetpatch::hoststate {

namespace {

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}
bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}
std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t pos = 0, number = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line, ++number);
    pos = end + 1;
  }
}

// "key: value" -> {key, value}; false without a colon.
bool split_field(std::string_view line, std::string_view& key, std::string_view& value) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  key = trim(line.substr(0, colon));
  value = trim(line.substr(colon + 1));
  return true;
}

void merge_cves(std::vector<std::string>& into, const std::vector<std::string>& more) {
  into.insert(into.end(), more.begin(), more.end());
  std::sort(into.begin(), into.end());
  into.erase(std::unique(into.begin(), into.end()), into.end());
}

core::Livepatch* find_by_name(std::vector<core::Livepatch>& patches, std::string_view name) {
  for (auto& p : patches) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace

const std::vector<LivepatchTool>& livepatch_tools() {
  static const std::vector<LivepatchTool> kTools = {
      {"kpatch-list", "command -v kpatch >/dev/null 2>&1 || exit 127; kpatch list",
       &LivepatchToolOutputs::kpatch_list},
      {"kpatch-patch-changelog",
       "command -v kpatch >/dev/null 2>&1 && command -v rpm >/dev/null 2>&1 || exit 127; "
       "rpm -qa 'kpatch-patch-*' --queryformat '==> %{NAME}\\n[%{CHANGELOGTEXT}\\n]'",
       &LivepatchToolOutputs::kpatch_changelog},
      {"canonical-livepatch-status.json",
       "command -v canonical-livepatch >/dev/null 2>&1 || exit 127; "
       "canonical-livepatch status --verbose --format json",
       &LivepatchToolOutputs::canonical_status},
      {"kcarectl-info", "command -v kcarectl >/dev/null 2>&1 || exit 127; kcarectl --info",
       &LivepatchToolOutputs::kcarectl_info},
      {"kcarectl-patch-info",
       "command -v kcarectl >/dev/null 2>&1 || exit 127; kcarectl --patch-info",
       &LivepatchToolOutputs::kcarectl_patch_info},
      {"klp-patches", "command -v klp >/dev/null 2>&1 || exit 127; klp -v patches",
       &LivepatchToolOutputs::klp_patches},
  };
  return kTools;
}

std::string_view livepatch_tool_for_module(std::string_view module) {
  if (starts_with(module, "kpatch")) return "kpatch";
  if (starts_with(module, "lkp_")) return "canonical-livepatch";
  if (starts_with(module, "livepatch_") || starts_with(module, "kgraft")) return "klp";
  return "livepatch";
}

std::vector<std::string> extract_cves(std::string_view text) {
  std::set<std::string> cves;
  for (std::size_t i = 0; i + 13 <= text.size(); ++i) {
    if (lower(text.substr(i, 4)) != "cve-") continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) != 0)) continue;
    std::size_t j = i + 4;
    std::size_t year_digits = 0;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])) != 0) {
      ++j;
      ++year_digits;
    }
    if (year_digits != 4 || j >= text.size() || text[j] != '-') continue;
    const std::size_t number_start = ++j;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])) != 0) ++j;
    if (j - number_start < 4) continue;
    std::string cve = "CVE-" + std::string(text.substr(i + 4, j - i - 4));
    cves.insert(std::move(cve));
    i = j - 1;
  }
  return {cves.begin(), cves.end()};
}

std::vector<core::Livepatch> read_sysfs_livepatches(const core::Env& env,
                                                    const std::string& sys_root,
                                                    core::Diagnostics& diagnostics) {
  std::vector<core::Livepatch> out;
  const std::string dir = sys_root + "/kernel/livepatch";
  if (!env.is_directory(dir)) return out;
  auto names = env.list_directory(dir);
  if (!names.ok()) {
    diagnostics.add(dir, 0, names.error().message);
    return out;
  }
  const std::string prefix = dir + "/";
  for (const auto& name : *names) {
    const std::string module_dir = prefix + name;
    if (!env.is_directory(module_dir)) continue;
    core::Livepatch lp;
    lp.name = name;
    lp.tool = std::string(livepatch_tool_for_module(name));
    const auto flag = [&](const char* file) {
      const std::string path = module_dir + "/" + file;
      if (!env.exists(path)) return false;
      auto text = env.read_file(path);
      if (!text.ok()) {
        diagnostics.add(path, 0, text.error().message);
        return false;
      }
      return trim(*text) == "1";
    };
    lp.enabled = flag("enabled");
    lp.transition = flag("transition");
    out.push_back(std::move(lp));
  }
  return out;
}

std::vector<KpatchModule> parse_kpatch_list(std::string_view text, std::string_view source_name,
                                            core::Diagnostics& diagnostics) {
  std::vector<KpatchModule> out;
  bool in_loaded = false;
  for_each_line(text, [&](std::string_view line, std::size_t number) {
    line = trim(line);
    if (line.empty()) return;
    if (line == "Loaded patch modules:") {
      in_loaded = true;
      return;
    }
    if (ends_with(line, ":")) {  // "Installed patch modules:", kpatch 0.9's stalled-task notes
      in_loaded = false;
      return;
    }
    if (!in_loaded) return;
    KpatchModule m;
    const auto bracket = line.find(" [");
    if (bracket == std::string_view::npos) {
      m.name = std::string(line);  // kpatch before 0.9 lists only enabled modules, bare
      m.enabled = true;
    } else {
      m.name = std::string(trim(line.substr(0, bracket)));
      std::string_view state = line.substr(bracket + 2);
      if (!ends_with(state, "]")) {
        diagnostics.add(std::string(source_name), number, "unrecognised kpatch module line");
        return;
      }
      state.remove_suffix(1);
      m.transition = ends_with(state, "...");
      if (m.transition) state.remove_suffix(3);
      if (state == "enabled" || state == "enabling") {
        m.enabled = true;
      } else if (state != "disabled" && state != "disabling") {
        diagnostics.add(std::string(source_name), number,
                        "unknown kpatch state '" + std::string(state) + "'", m.name);
        return;
      }
    }
    out.push_back(std::move(m));
  });
  return out;
}

std::map<std::string, std::vector<std::string>> parse_kpatch_changelog(std::string_view text) {
  std::map<std::string, std::string> sections;
  std::string current;
  for_each_line(text, [&](std::string_view line, std::size_t) {
    if (starts_with(line, "==> ")) {
      current = std::string(trim(line.substr(4)));
      sections[current];
      return;
    }
    auto& body = sections[current];
    body.append(line);
    body.push_back('\n');
  });
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [name, body] : sections) {
    auto cves = extract_cves(body);
    if (!cves.empty() || !name.empty()) out[name] = std::move(cves);
  }
  return out;
}

bool kpatch_module_from_package(std::string_view module, std::string_view package) {
  constexpr std::string_view kPackagePrefix = "kpatch-patch-";
  if (!starts_with(package, kPackagePrefix) || !starts_with(module, "kpatch_")) return false;
  std::string kernel(package.substr(kPackagePrefix.size()));
  std::replace(kernel.begin(), kernel.end(), '-', '_');
  return starts_with(module, "kpatch_" + kernel + "_");
}

core::Result<CanonicalLivepatchStatus> parse_canonical_livepatch_status(
    std::string_view text, std::string_view source_name) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string source(source_name);
  if (doc.is_discarded() || !doc.is_object()) {
    return core::invalid_argument(source +
                                  ": not a JSON object (expected the output of "
                                  "`canonical-livepatch status --format json`)");
  }
  const auto status = doc.find("Status");
  if (status == doc.end() || !status->is_array()) {
    return core::invalid_argument(source + ": no \"Status\" array");
  }
  const nlohmann::json* chosen = nullptr;
  for (const auto& entry : *status) {
    if (!entry.is_object()) continue;
    if (chosen == nullptr) chosen = &entry;
    if (const auto running = entry.find("Running");
        running != entry.end() && running->is_boolean() && running->get<bool>()) {
      chosen = &entry;
      break;
    }
  }
  CanonicalLivepatchStatus out;
  if (chosen == nullptr) return out;
  const auto string_at = [](const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  out.kernel = string_at(*chosen, "Kernel");
  const auto livepatch = chosen->find("Livepatch");
  if (livepatch == chosen->end() || !livepatch->is_object()) return out;
  out.state = string_at(*livepatch, "State");
  out.version = string_at(*livepatch, "Version");
  const auto fixes = livepatch->find("Fixes");
  if (fixes == livepatch->end()) return out;
  if (fixes->is_string()) {
    out.cves = extract_cves(fixes->get<std::string>());  // clients before 10.x: one text block
  } else if (fixes->is_array()) {
    std::string names;
    for (const auto& fix : *fixes) {
      if (!fix.is_object()) continue;
      const auto patched = fix.find("Patched");
      if (patched != fix.end() && !(patched->is_boolean() && patched->get<bool>())) continue;
      names += string_at(fix, "Name") + "\n";
    }
    out.cves = extract_cves(names);
  }
  return out;
}

core::Livepatch parse_kernelcare(std::string_view info, std::string_view patch_info) {
  core::Livepatch lp;
  lp.name = "kernelcare";
  lp.tool = "kernelcare";
  for_each_line(info, [&](std::string_view line, std::size_t) {
    std::string_view key, value;
    if (!split_field(line, key, value)) return;
    if (key == "kpatch-state") lp.enabled = starts_with(value, "patch is applied");
    if (key == "kpatch-description") {
      const auto semicolon = value.find(';');
      if (semicolon != std::string_view::npos) {
        lp.effective_kernel = std::string(trim(value.substr(semicolon + 1)));
      }
    }
  });
  std::string cve_text;
  for_each_line(patch_info, [&](std::string_view line, std::size_t) {
    std::string_view key, value;
    if (!split_field(line, key, value)) return;
    if (key == "uname" && !value.empty()) lp.effective_kernel = std::string(value);
    if (key == "kpatch-cve") cve_text += std::string(value) + "\n";
  });
  lp.cves = extract_cves(cve_text);
  return lp;
}

std::vector<core::Livepatch> parse_klp_patches(std::string_view text, std::string_view source_name,
                                               core::Diagnostics& diagnostics) {
  std::vector<core::Livepatch> out;
  std::string cve_text;
  bool in_cve = false;
  const auto finish = [&] {
    if (out.empty()) return;
    out.back().cves = extract_cves(cve_text);
    cve_text.clear();
  };
  for_each_line(text, [&](std::string_view line, std::size_t number) {
    if (trim(line).empty()) return;
    const bool indented = line.front() == ' ' || line.front() == '\t';
    if (!indented) {
      finish();
      core::Livepatch lp;
      lp.name = std::string(trim(line));
      lp.tool = "klp";
      lp.enabled = true;  // listed = loaded; "active" below refines it
      out.push_back(std::move(lp));
      in_cve = false;
      return;
    }
    if (out.empty()) {
      diagnostics.add(std::string(source_name), number, "field before any patch name");
      return;
    }
    std::string_view key, value;
    if (in_cve && !extract_cves(line.substr(0, line.find(':'))).empty()) {
      cve_text += std::string(line) + "\n";  // a continued CVE list, "CVE-...: description"
      return;
    }
    if (split_field(line, key, value) && lower(key).find(' ') == std::string::npos) {
      const std::string k = lower(key);
      in_cve = k == "cve";
      if (k == "active") out.back().enabled = value == "1" || lower(value) == "yes";
      if (in_cve) cve_text += std::string(value) + "\n";
      return;
    }
    if (split_field(line, key, value)) {  // "bug fixes and enhancements: ..."
      in_cve = false;
      return;
    }
    if (in_cve) cve_text += std::string(line) + "\n";  // a continued CVE list
  });
  finish();
  return out;
}

std::vector<core::Livepatch> merge_livepatches(std::vector<core::Livepatch> patches,
                                               const LivepatchToolOutputs& tools,
                                               core::Diagnostics& diagnostics) {
  // kpatch: modules the kernel interface did not show (kpatch's own pre-livepatch core module
  // keeps them under /sys/kernel/kpatch) come from the list; CVEs from the changelogs.
  if (tools.kpatch_list) {
    for (const auto& m : parse_kpatch_list(*tools.kpatch_list, "kpatch list", diagnostics)) {
      if (find_by_name(patches, m.name) != nullptr) continue;
      patches.push_back({m.name, "kpatch", m.enabled, m.transition, {}, {}});
    }
  }
  if (tools.kpatch_changelog) {
    const auto changelogs = parse_kpatch_changelog(*tools.kpatch_changelog);
    for (auto& p : patches) {
      if (p.tool != "kpatch") continue;
      for (const auto& [package, cves] : changelogs) {
        if (package.empty() || kpatch_module_from_package(p.name, package))
          merge_cves(p.cves, cves);
      }
    }
  }
  if (tools.canonical_status && !trim(*tools.canonical_status).empty()) {
    auto status =
        parse_canonical_livepatch_status(*tools.canonical_status, "canonical-livepatch status");
    if (!status.ok()) {
      diagnostics.add("canonical-livepatch status", 0, status.error().message);
    } else {
      bool attached = false;
      for (auto& p : patches) {
        if (p.tool != "canonical-livepatch") continue;
        merge_cves(p.cves, status->cves);
        attached = true;
      }
      if (!attached && !status->state.empty() && status->state != "nothing-to-apply") {
        core::Livepatch lp;
        lp.name = status->version.empty() ? "canonical-livepatch"
                                          : "canonical-livepatch " + status->version;
        lp.tool = "canonical-livepatch";
        lp.enabled = status->state == "applied" || status->state == "applied-with-bug";
        lp.cves = status->cves;
        patches.push_back(std::move(lp));
      }
    }
  }
  if (tools.kcarectl_info || tools.kcarectl_patch_info) {
    core::Livepatch lp =
        parse_kernelcare(tools.kcarectl_info.value_or(""), tools.kcarectl_patch_info.value_or(""));
    if (lp.enabled || !lp.cves.empty()) patches.push_back(std::move(lp));
  }
  if (tools.klp_patches) {
    for (auto& k : parse_klp_patches(*tools.klp_patches, "klp -v patches", diagnostics)) {
      if (core::Livepatch* p = find_by_name(patches, k.name)) {
        p->tool = "klp";
        merge_cves(p->cves, k.cves);
      } else {
        patches.push_back(std::move(k));
      }
    }
  }
  std::sort(patches.begin(), patches.end(),
            [](const core::Livepatch& a, const core::Livepatch& b) { return a.name < b.name; });
  return patches;
}

LivepatchToolOutputs read_livepatch_tool_outputs(const core::Env& env, const std::string& dir,
                                                 core::Diagnostics& diagnostics) {
  LivepatchToolOutputs out;
  for (const auto& tool : livepatch_tools()) {
    const std::string path = dir + "/" + std::string(tool.file);
    if (!env.exists(path)) continue;
    auto text = env.read_file(path);
    if (!text.ok()) {
      diagnostics.add(path, 0, text.error().message);
      continue;
    }
    out.*tool.output = std::move(text).value();
  }
  return out;
}

LivepatchToolOutputs run_livepatch_tools(const ProcessRunner& runner,
                                         std::chrono::milliseconds timeout_each,
                                         core::Diagnostics& diagnostics) {
  LivepatchToolOutputs out;
  for (const auto& tool : livepatch_tools()) {
    const std::string command = std::string(kToolPath) + std::string(tool.command);
    auto result = runner.run({"sh", "-c", command}, {}, timeout_each);
    if (!result.ok()) {
      diagnostics.add(std::string(tool.file), 0, result.error().message);
      continue;
    }
    if (result->exit_code == 127) continue;  // not installed
    if (result->timed_out || result->exit_code != 0) {
      std::string why =
          result->timed_out ? "timed out" : "exited with " + std::to_string(result->exit_code);
      const std::string_view err = trim(result->err);
      if (!err.empty()) why += ": " + std::string(err.substr(0, err.find('\n')));
      diagnostics.add(std::string(tool.file), 0, std::string(tool.command) + " " + why);
      if (result->out.empty()) continue;
    }
    out.*tool.output = std::move(result->out);
  }
  return out;
}

std::vector<core::Livepatch> collect_livepatches(const core::Env& env, const std::string& sys_root,
                                                 const std::string& command_output_dir,
                                                 const ProcessRunner* runner,
                                                 core::Diagnostics& diagnostics) {
  LivepatchToolOutputs tools;
  if (!command_output_dir.empty()) {
    tools = read_livepatch_tool_outputs(env, command_output_dir, diagnostics);
  } else if (runner != nullptr) {
    tools = run_livepatch_tools(*runner, std::chrono::seconds(30), diagnostics);
  }
  return merge_livepatches(read_sysfs_livepatches(env, sys_root, diagnostics), tools, diagnostics);
}

}  // namespace fleetpatch::hoststate
