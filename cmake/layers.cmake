# One CMake library target per layer, with include visibility that follows the allowed
# dependency direction.
#
# Every layer's headers are reached as "<layer>/<file>.hpp". Instead of putting src/ itself on
# the include path (which would let any layer include any other), each layer gets its own
# include root ${CMAKE_BINARY_DIR}/include/<layer>/ holding a single symlink <layer> -> src/<layer>.
# A target sees another layer's headers only if it links that layer's target, so a forbidden
# include (say src/match including "store/...") fails to compile.

set(FLEETPATCH_INCLUDE_ROOT "${CMAKE_BINARY_DIR}/include")

# fleetpatch_layer(NAME <layer> [DEPS <targets>...] [PRIVATE_DEPS <targets>...] [SOURCES ...]
#                  [TESTS <test sources>...] [TEST_DEPS ...])
# Creates target fleetpatch_<layer> from SOURCES and a gtest executable for TESTS.
function(fleetpatch_layer)
  cmake_parse_arguments(L "" "NAME;DIR" "DEPS;PRIVATE_DEPS;SOURCES;TESTS;TEST_DEPS" ${ARGN})
  if(NOT L_DIR)
    set(L_DIR "${L_NAME}")
  endif()
  set(root "${FLEETPATCH_INCLUDE_ROOT}/${L_NAME}")
  get_filename_component(link_parent "${root}/${L_DIR}" DIRECTORY)
  file(MAKE_DIRECTORY "${link_parent}")
  if(NOT EXISTS "${root}/${L_DIR}")
    file(CREATE_LINK "${CMAKE_CURRENT_SOURCE_DIR}" "${root}/${L_DIR}" SYMBOLIC)
  endif()
  set(target "fleetpatch_${L_NAME}")
  string(REPLACE "/" "_" target "${target}")
  if(L_SOURCES)
    add_library(${target} STATIC ${L_SOURCES})
    target_include_directories(${target} PUBLIC "${root}")
    target_link_libraries(${target} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE "${root}")
    target_link_libraries(${target} INTERFACE ${L_DEPS})
  endif()
  if(FLEETPATCH_TESTS AND L_TESTS)
    add_executable(${target}_test ${L_TESTS})
    target_link_libraries(${target}_test PRIVATE ${target} ${L_TEST_DEPS} GTest::gtest GTest::gmock
                                                 GTest::gtest_main)
    target_compile_definitions(${target}_test
      PRIVATE FLEETPATCH_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data"
              FLEETPATCH_SHARED_DATA="${PROJECT_SOURCE_DIR}/../shared/data")
    gtest_discover_tests(${target}_test DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS "unit;${L_NAME}")
  endif()
endfunction()
