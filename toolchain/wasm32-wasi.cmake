# The two foreign toolchains of the project, found once:
#  - wasm2c and its runtime (wasm-rt.h, wasm-rt-impl.c) from Debian's wabt;
#  - clang targeting wasm32-wasi with Debian's wasi-libc, for building workloads as .wasm.
# `toolchain/deps.sh` installs them; here we only locate them and define the compile rules.

find_program(WASM2C wasm2c REQUIRED)
find_program(WAT2WASM wat2wasm REQUIRED)
find_program(WASM_CLANG NAMES clang clang-14 REQUIRED)
find_path(WASM2C_RUNTIME_DIR wasm-rt.h wasm-rt-impl.c
  PATHS /usr/src/wasm2c /usr/share/wabt/wasm2c ENV WASM2C_RUNTIME_DIR NO_DEFAULT_PATH REQUIRED)
set(WASI_SYSROOT_INCLUDE /usr/include/wasm32-wasi)
set(WASI_SYSROOT_LIB /usr/lib/wasm32-wasi)
set(WASM_CFLAGS -O2 --target=wasm32-wasi -I${WASI_SYSROOT_INCLUDE} -L${WASI_SYSROOT_LIB})

# add_wasm_executable(NAME OUTPUT SOURCES...): one C program compiled to a WASI command module.
function(add_wasm_executable name output)
  set(srcs ${ARGN})
  list(TRANSFORM srcs PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/)
  add_custom_command(OUTPUT ${output}
    COMMAND ${WASM_CLANG} ${WASM_CFLAGS} -Wall -Wextra -o ${output} ${srcs}
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
