# Read by cpack when it runs (CPACK_PROJECT_CONFIG_FILE), after the build filled the share
# dir: wasmaot runs the wasm2c in share/wasmaot/libexec (wabt 1.0.42, copied there by the
# build; it links only libc and libm), so a package without it would not work.
if(NOT EXISTS "${CPACK_WASMAOT_SHARE_DIR}/libexec/wasm2c")
  message(FATAL_ERROR "no ${CPACK_WASMAOT_SHARE_DIR}/libexec/wasm2c: build before packaging")
endif()
