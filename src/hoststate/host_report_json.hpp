// JSON form of the host report ("fleetpatch.host/1", docs/host-report.md). Field names are a
// public contract: add fields, never rename them.
#pragma once

#include <string>
#include <string_view>

#include "core/host_report.hpp"
#include "core/result.hpp"

namespace fleetpatch::hoststate {

/// Pretty-printed (indent 2) when `pretty`, else one line.
std::string to_json(const core::HostReport& report, bool pretty = true);

/// Parses a host report; an error names `source_name` and what is wrong (wrong schema,
/// missing or mistyped field with its JSON pointer, e.g. "/packages/12/version").
core::Result<core::HostReport> host_report_from_json(std::string_view text,
                                                     std::string_view source_name);

}  // namespace fleetpatch::hoststate
