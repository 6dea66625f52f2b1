# SPDX-License-Identifier: GPL-3.0-or-later
# The fuzz targets as CTest tests of the test tree (label fuzz): each runs
# for PTRESCUE_FUZZ_SECONDS on a copy of tests/fuzz/corpus/TARGET, from the
# clang tree that tools/build-tests.sh builds in build-fuzz/ (tests/fuzz/
# CMakeLists.txt). A missing binary fails under CI=true, skips elsewhere.
set(PTRESCUE_FUZZ_TREE ${CMAKE_SOURCE_DIR}/build-fuzz CACHE PATH
  "The clang build tree with the libFuzzer targets (tools/build-tests.sh makes it)")
set(PTRESCUE_FUZZ_SECONDS 20 CACHE STRING "How long each fuzz test runs, in seconds")
set(FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
file(GLOB fuzz_corpora LIST_DIRECTORIES true ${FUZZ_DIR}/corpus/*)
foreach(corpus ${fuzz_corpora})
  get_filename_component(target ${corpus} NAME)
  add_test(NAME ${target}
    COMMAND ${FUZZ_DIR}/run_fuzz.sh ${PTRESCUE_FUZZ_TREE}/tests/fuzz/${target} ${corpus}
      ${PTRESCUE_FUZZ_SECONDS} ${CMAKE_BINARY_DIR}/fuzz/${target})
  # One core each (libFuzzer runs one process), so ctest -j2 runs two at
  # most, or one beside a unit test.
  set_tests_properties(${target} PROPERTIES
    LABELS fuzz PROCESSORS 1 SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
