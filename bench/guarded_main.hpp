// The main() of the benchmark tools: an exception escaping their work (a bad input file, a full
// disk) is reported with the tool's name and exit status 1, not a core dump.
#pragma once

#include <cstdio>
#include <exception>

namespace fleetpatch::bench {

inline int guarded_main(const char* tool, int (*run)(int, char**), int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", tool, e.what());
    return 1;
  }
}

}  // namespace fleetpatch::bench
