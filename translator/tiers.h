/* `wasmaot run`'s choice of executable: the cache entry of the tier asked for, built on a miss;
 * with --tier auto (the default) the quick tier first and the optimised tier built in the
 * background, detached, which later runs then use (README, The CLI: tiers). */
#ifndef WASMAOT_TIERS_H
#define WASMAOT_TIERS_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

/* Modules with less wasm code than this build the optimised tier at once, even with auto:
 * their optimised build takes about as long as a quick one plus the program's start (README,
 * The CLI: tiers). $WASMAOT_TIER_UP_MIN_CODE overrides it. */
enum { TIER_UP_MIN_CODE_BYTES = 16 * 1024 };

/* Finds or builds the executable `run` executes for the module `bytes` (read from in_path) with
 * the resolved options o (o->tier: TIER_AUTO, TIER_QUICK, TIER_OPTIMIZED or TIER_EXPLICIT),
 * in the cache directory `dir`, and writes its path into `path`. With `verbose`, says on stderr
 * whether the cache answered and which tier runs. -1 with a one-line err on failure. */
int tiers_prepare(const char *in_path, const uint8_t *bytes, size_t len,
                  const struct build_options *o, const char *dir, int verbose, char *path,
                  size_t pathlen, char *err, size_t errlen);

#endif
