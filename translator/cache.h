/* The content-addressed cache of `wasmaot run`: one executable per
 * sha256(module bytes, build options, toolchain identity, wasmaot version). */
#ifndef WASMAOT_CACHE_H
#define WASMAOT_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* The cache directory ($WASMAOT_CACHE, else $XDG_CACHE_HOME/wasmaot, else ~/.cache/wasmaot),
 * created if missing. -1 with err on failure. */
int cache_dir(char *buf, size_t len, char *err, size_t errlen);

/* Hex sha256 over the given parts (each length-prefixed, so boundaries matter). */
void cache_key(const void *const parts[], const size_t lens[], int nparts, char hex[65]);

#endif
