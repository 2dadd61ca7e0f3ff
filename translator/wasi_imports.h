/* The WASI preview1 imports a module may use. */
#ifndef WASMAOT_WASI_IMPORTS_H
#define WASMAOT_WASI_IMPORTS_H

#define WASI_PREVIEW1_MODULE "wasi_snapshot_preview1"

struct wasi_import_sig {
  const char *name;
  const char *params;  /* one char per parameter: i = i32, I = i64 */
  const char *results; /* "" or "i" */
};

/* The signature of WASI function `name`, or NULL if the runtime does not provide it. */
const struct wasi_import_sig *wasi_import_lookup(const char *name);

#endif
