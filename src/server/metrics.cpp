#include "server/metrics.hpp"

#include <sstream>

namespace fleetpatch::server {
namespace {

/// Label values are route patterns we define, but escape anyway (\, " and newline).
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::observe_request(std::string_view route, int code, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), code}];
  auto it = latency_.find(route);
  if (it == latency_.end()) it = latency_.emplace(std::string(route), Histogram{}).first;
  Histogram& h = it->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.counts[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::report_accepted(bool full) {
  std::lock_guard lock(mutex_);
  ++(full ? reports_full_ : reports_unchanged_);
}

std::string Metrics::render(std::optional<std::int64_t> hosts, bool index_loaded) const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  out << "# HELP fleetpatch_http_requests_total HTTP requests by route pattern and status code.\n"
         "# TYPE fleetpatch_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out << "fleetpatch_http_requests_total{route=\"" << label(key.first) << "\",code=\""
        << key.second << "\"} " << count << "\n";
  }
  out << "# HELP fleetpatch_http_request_seconds Time from request received to response ready.\n"
         "# TYPE fleetpatch_http_request_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      out << "fleetpatch_http_request_seconds_bucket{route=\"" << label(route) << "\",le=\""
          << kBuckets[i] << "\"} " << cumulative << "\n";
    }
    out << "fleetpatch_http_request_seconds_bucket{route=\"" << label(route) << "\",le=\"+Inf\"} "
        << h.count << "\n";
    out << "fleetpatch_http_request_seconds_sum{route=\"" << label(route) << "\"} " << h.sum
        << "\n";
    out << "fleetpatch_http_request_seconds_count{route=\"" << label(route) << "\"} " << h.count
        << "\n";
  }
  out << "# HELP fleetpatch_reports_accepted_total Host reports accepted, by kind.\n"
         "# TYPE fleetpatch_reports_accepted_total counter\n"
      << "fleetpatch_reports_accepted_total{kind=\"full\"} " << reports_full_ << "\n"
      << "fleetpatch_reports_accepted_total{kind=\"unchanged\"} " << reports_unchanged_ << "\n";
  if (hosts) {
    out << "# HELP fleetpatch_hosts Hosts with a stored report.\n"
           "# TYPE fleetpatch_hosts gauge\n"
        << "fleetpatch_hosts " << *hosts << "\n";
  }
  out << "# HELP fleetpatch_index_loaded 1 when an advisory index is loaded.\n"
         "# TYPE fleetpatch_index_loaded gauge\n"
      << "fleetpatch_index_loaded " << (index_loaded ? 1 : 0) << "\n";
  return out.str();
}

}  // namespace fleetpatch::server
