/* The content-addressed cache of `wasmaot run`: one executable per
 * sha256(module bytes, build options, toolchain identity, wasmaot version). */
#ifndef WASMAOT_CACHE_H
#define WASMAOT_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* The cache directory ($WASMAOT_CACHE, else $XDG_CACHE_HOME/wasmaot, else ~/.cache/wasmaot),
 * created 0700 if missing. -1 with err on failure, and when the directory is not ours alone:
 * not owned by the current user, writable by group or others, or a symlink someone else
 * owns. Whatever is in such a directory may have been put there by another user. */
int cache_dir(char *buf, size_t len, char *err, size_t errlen);

/* Whether the cache entry `path` exists: 1 if it does and is ours alone (a regular file owned
 * by the current user, not writable by group or others), 0 if it does not exist, -1 with err
 * if it exists but must not be run. */
int cache_entry_state(const char *path, char *err, size_t errlen);

/* Hex sha256 over the given parts (each length-prefixed, so boundaries matter). */
void cache_key(const void *const parts[], const size_t lens[], int nparts, char hex[65]);

#endif
