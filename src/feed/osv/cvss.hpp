// CVSS base scores from vector strings, as OSV's `severity[].score` gives them. Only the base
// metric group is read; temporal and environmental metrics in the vector are ignored.
#pragma once

#include <optional>
#include <string_view>

namespace fleetpatch::feed::osv {

/// Base score of a CVSS v3.0/v3.1 vector ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" ->
/// 9.8), by the FIRST specification's formulas and Roundup; nullopt when a base metric is
/// missing or has an unknown value.
std::optional<double> cvss3_base_score(std::string_view vector);

/// Base score of a CVSS v2 vector ("AV:N/AC:L/Au:N/C:P/I:P/A:P" -> 7.5, an optional
/// "(...)" wrapper or "CVSS:2.0/" prefix accepted); nullopt when a base metric is missing.
std::optional<double> cvss2_base_score(std::string_view vector);

}  // namespace fleetpatch::feed::osv
