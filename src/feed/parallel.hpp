// Splitting a list of independent inputs over a few threads, deterministically: worker w takes
// the contiguous range [n*w/k, n*(w+1)/k), and callers merge per-worker results in worker
// order, so the output does not depend on the number of workers or on timing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace fleetpatch::feed {

/// Number of workers for `items` inputs: 1 for small inputs (threads cost more than they
/// save), else the hardware's concurrency capped at 4.
inline std::size_t worker_count(std::size_t items) {
  if (items < 256) return 1;
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
}

/// Calls work(worker, begin, end) for each worker's range, worker 0 on the calling thread.
template <typename Work>
void run_ranges(std::size_t items, std::size_t workers, Work&& work) {
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) {
    threads.emplace_back([&, w] { work(w, items * w / workers, items * (w + 1) / workers); });
  }
  work(std::size_t{0}, std::size_t{0}, items / workers);
  for (auto& thread : threads) thread.join();
}

}  // namespace fleetpatch::feed
