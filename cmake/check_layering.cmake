# Fails when any source under src/ includes a header through a relative parent path, which would
# bypass the per-layer include roots that enforce ARCHITECTURE.md's dependency direction.
file(GLOB_RECURSE sources "${ROOT}/src/*.cpp" "${ROOT}/src/*.hpp")
set(bad "")
foreach(f IN LISTS sources)
  file(STRINGS "${f}" lines REGEX "^#include \"\\.\\./")
  if(lines)
    list(APPEND bad "${f}: ${lines}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "relative parent includes bypass the layer rules:\n${bad}")
endif()
message(STATUS "layering: ok")
