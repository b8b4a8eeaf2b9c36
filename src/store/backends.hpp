// The concrete backends, for open_store() and the conformance suite. Nothing else names them.
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "store/store.hpp"

namespace fleetpatch::store {

/// SQLite database file at `path` (created with its directory), WAL mode, migrations applied.
core::Result<std::unique_ptr<Store>> open_sqlite(const std::string& path);

/// PostgreSQL at a libpq connection URI, migrations applied.
core::Result<std::unique_ptr<Store>> open_postgres(const std::string& url);

}  // namespace fleetpatch::store
