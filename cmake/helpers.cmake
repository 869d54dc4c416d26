# otasuke_cc_library / otasuke_cc_binary / otasuke_cc_test, after Abseil's CMake helpers.
# Includes are rooted at the project: #include "agent/pipeline/event_source.h".

function(otasuke_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "HDRS;SRCS;DEPS" ${ARGN})
  if(ARG_SRCS)
    add_library(${ARG_NAME} STATIC ${ARG_SRCS} ${ARG_HDRS})
    target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
    target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
    target_compile_options(${ARG_NAME} PRIVATE ${OTASUKE_WARNINGS})
  else()
    add_library(${ARG_NAME} INTERFACE)
    target_include_directories(${ARG_NAME} INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
    target_link_libraries(${ARG_NAME} INTERFACE ${ARG_DEPS})
  endif()
endfunction()

function(otasuke_cc_binary)
  cmake_parse_arguments(ARG "" "NAME;OUTPUT_NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  target_compile_options(${ARG_NAME} PRIVATE ${OTASUKE_WARNINGS})
  if(ARG_OUTPUT_NAME)
    set_target_properties(${ARG_NAME} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()

# A GoogleTest binary registered with ctest. LABELS: unit (default), integration, conformance.
function(otasuke_cc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT BUILD_TESTING)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest GTest::gtest_main)
  target_compile_options(${ARG_NAME} PRIVATE ${OTASUKE_WARNINGS})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "OTASUKE_SOURCE_DIR=${PROJECT_SOURCE_DIR};OTASUKE_BINARY_DIR=${PROJECT_BINARY_DIR};OTASUKE_SHARED_DIR=${OTASUKE_SHARED_DIR}")
endfunction()

# A libFuzzer target; its committed seed corpus is tests/fuzz/corpus/<NAME>/. See docs/FUZZING.md.
# - Normal build (any compiler): linked with tests/fuzz/replay_main.cc; ctest `<NAME>_corpus`
#   (label fuzz) runs every seed once.
# - -DOTASUKE_FUZZ=ON (clang, ASan+UBSan): a real libFuzzer binary in <build>/fuzz/. With
#   BUILD_TESTING, `<NAME>_corpus` (label fuzz) replays the seeds with -runs=0, and `<NAME>_run`
#   (label fuzz-run) fuzzes for OTASUKE_FUZZ_SECONDS from the seeds, failing on any crash, leak,
#   timeout or sanitizer report; its inputs and any crash-* land in <build>/fuzz-runs/<NAME>/.
set(OTASUKE_FUZZ_SECONDS 10 CACHE STRING "Seconds each fuzzer runs in ctest (label fuzz-run)")
# `cmake --build <dir> --target fuzzers` builds every fuzz target of a tree.
add_custom_target(fuzzers)
function(otasuke_cc_fuzzer)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  set(corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${ARG_NAME})
  if(OTASUKE_FUZZ)
    add_executable(${ARG_NAME} ${ARG_SRCS})
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
    target_compile_options(${ARG_NAME} PRIVATE ${OTASUKE_WARNINGS})
    target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
    set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
    add_dependencies(fuzzers ${ARG_NAME})
    if(BUILD_TESTING AND EXISTS ${corpus})
      add_test(NAME ${ARG_NAME}_corpus COMMAND ${ARG_NAME} -runs=0 ${corpus})
      set_tests_properties(${ARG_NAME}_corpus PROPERTIES LABELS fuzz TIMEOUT 300)
      add_test(NAME ${ARG_NAME}_run
        COMMAND ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzzer.sh $<TARGET_FILE:${ARG_NAME}>
                ${corpus} ${PROJECT_BINARY_DIR}/fuzz-runs/${ARG_NAME} ${OTASUKE_FUZZ_SECONDS})
      set_tests_properties(${ARG_NAME}_run PROPERTIES LABELS fuzz-run
        TIMEOUT 300 DEPENDS ${ARG_NAME}_corpus)
    endif()
  elseif(BUILD_TESTING)
    add_executable(${ARG_NAME} ${ARG_SRCS} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
    target_compile_options(${ARG_NAME} PRIVATE ${OTASUKE_WARNINGS})
    set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
    add_dependencies(fuzzers ${ARG_NAME})
    if(EXISTS ${corpus})
      add_test(NAME ${ARG_NAME}_corpus COMMAND ${ARG_NAME} ${corpus})
      set_tests_properties(${ARG_NAME}_corpus PROPERTIES LABELS fuzz TIMEOUT 300)
    endif()
  endif()
endfunction()
