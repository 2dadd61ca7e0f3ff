# Read by cpack when it runs (CPACK_PROJECT_CONFIG_FILE), after the build filled the share
# dir: a wasm2c carried in share/wasmaot/libexec ships in the package, otherwise wasmaot
# runs the one on PATH, from Debian's wabt.
if(NOT EXISTS "${WASMAOT_CPACK_SHARE_DIR}/libexec/wasm2c")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${CPACK_DEBIAN_PACKAGE_DEPENDS}, wabt")
endif()
