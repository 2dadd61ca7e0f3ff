/* The translation pipeline: check the module, wasm2c it, compile, link with runtime-support,
 * and put the executable in place atomically. */
#ifndef WASMAOT_PIPELINE_H
#define WASMAOT_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

enum bounds_mode { BOUNDS_GUARD, BOUNDS_CHECK };

struct build_options {
  const char *cc;     /* "gcc" or "clang" (any compiler that takes gcc's flags) */
  int opt_level;      /* 0..3 */
  enum bounds_mode bounds;
  const char *keep_c; /* if set, a directory to leave the generated guest.c/guest.h in */
  int sanitize;       /* host side (runtime, host main) under ASan+UBSan; implies bounds=check */
};

/* The default configuration: the fastest conformant one measured (see README). */
void build_options_default(struct build_options *o);

/* A short canonical string of the options, part of the cache key. */
void build_options_describe(const struct build_options *o, char *buf, size_t len);

/* Builds `in_path` (whose bytes are `bytes`) into the executable `out_path`. On failure,
 * returns -1 with a one-line reason in err, and leaves nothing at out_path. */
int pipeline_build(const char *in_path, const uint8_t *bytes, size_t len, const char *out_path,
                   const struct build_options *o, char *err, size_t errlen);

/* Describes the toolchain this build would use (resolved paths + size + mtime of wasm2c, the C
 * compiler, the runtime libraries and host main), for cache keys. -1 with err if a tool is
 * missing. */
int pipeline_toolchain_identity(const struct build_options *o, char *buf, size_t len, char *err,
                                size_t errlen);

/* Directory holding runtime-support's installed files (include/, src/, lib/). */
const char *pipeline_share_dir(void);

#endif
