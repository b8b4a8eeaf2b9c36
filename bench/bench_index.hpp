// The advisory index of a feed batch, written to `path` and opened: what the benchmark tools
// that match (reeval_bench, ingest_bench) build from their --feed, as `fleetpatch feed import`
// would.
#pragma once

#include <string>

#include "core/result.hpp"
#include "feed/feed.hpp"
#include "index/index.hpp"

namespace fleetpatch::bench {

inline core::Result<index::Index> build_index(const feed::FeedBatch& batch,
                                              const std::string& path) {
  index::IndexBuilder builder;
  for (const auto& a : batch.advisories) builder.add(a);
  for (const auto& k : batch.kev) builder.add_kev(k);
  if (auto status = builder.write_atomic(path); !status.ok()) return status.error();
  return index::Index::open(path);
}

}  // namespace fleetpatch::bench
