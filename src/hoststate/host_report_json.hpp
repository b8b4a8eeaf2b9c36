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

/// host_report_from_json into `out`, reusing the strings and vectors it holds: what the server
/// does for every report it accepts, through one report per handler thread. Every field is
/// overwritten (nothing of the previous report remains), so on success `out` equals what
/// host_report_from_json returns; same errors. On error `out` holds a mix of both reports: only
/// fit to be parsed into again. Thread-safe for distinct `out` (the JSON parser is per thread).
core::Status host_report_from_json_into(std::string_view text, std::string_view source_name,
                                        core::HostReport& out);

}  // namespace fleetpatch::hoststate
