# The synthetic fleet generator library (fleetpatch_fleetgen). Included, not add_subdirectory'd,
# from every place that needs it (bench/, the demo command in cmd/fleetpatch/, tests/), because
# `fleetpatch demo` and the tests need it whether or not FLEETPATCH_BENCH is on.
# Its header is reached as "bench/fleet_generator.hpp" through its own include root, like the
# layers in cmake/layers.cmake.
if(NOT TARGET fleetpatch_fleetgen)
  set(_fleetgen_root "${CMAKE_BINARY_DIR}/include/bench")
  file(MAKE_DIRECTORY "${_fleetgen_root}")
  if(NOT EXISTS "${_fleetgen_root}/bench")
    file(CREATE_LINK "${CMAKE_CURRENT_LIST_DIR}" "${_fleetgen_root}/bench" SYMBOLIC)
  endif()
  add_library(fleetpatch_fleetgen STATIC "${CMAKE_CURRENT_LIST_DIR}/fleet_generator.cpp")
  target_include_directories(fleetpatch_fleetgen PUBLIC "${_fleetgen_root}")
  target_link_libraries(fleetpatch_fleetgen PUBLIC fleetpatch_core PRIVATE fleetpatch_version)
endif()
