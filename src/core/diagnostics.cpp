#include "core/diagnostics.hpp"

#include <iterator>

namespace fleetpatch::core {

std::string Diagnostic::to_string() const {
  std::string out = source;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!record.empty()) out += record + ": ";
  out += message;
  return out;
}

void Diagnostics::add(std::string source, std::size_t line, std::string message,
                      std::string record) {
  items_.push_back({std::move(source), line, std::move(record), std::move(message)});
}

void Diagnostics::merge(Diagnostics other) {
  items_.insert(items_.end(), std::make_move_iterator(other.items_.begin()),
                std::make_move_iterator(other.items_.end()));
}

}  // namespace fleetpatch::core
