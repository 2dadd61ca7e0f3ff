/* Path resolution: turning a guest path, relative to a directory descriptor the guest holds,
 * into a host descriptor — without ever leaving that directory.
 *
 * The kernel does the walk: openat2(2) with RESOLVE_BENEATH resolves every component
 * (including "..", absolute paths and symlinks, wherever they point) under the directory fd
 * and fails with EXDEV if any step would leave it. No string checks on host paths. */
#ifndef WASMAOT_PATH_RESOLVE_H
#define WASMAOT_PATH_RESOLVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "wasi_types.h"

/* Opens `path` beneath `dirfd` with open(2) `flags` and `mode`. When follow_final_symlink is
 * false and the last component is a symlink, the open fails (ELOOP) unless flags has O_PATH.
 * Escapes become WASI_ENOTCAPABLE. */
wasi_errno_t path_open_beneath(int dirfd, const char *path, int flags, mode_t mode,
                               bool follow_final_symlink, int *out_fd);

/* For operations that act on a name inside a directory (unlink, mkdir, rename, symlink,
 * readlink, stat without following): resolves every component but the last beneath `dirfd`
 * and returns that parent directory (an O_PATH fd to close) and the last component, which is
 * never empty, "." or "..". Paths that end in "." or ".." give EINVAL-like errors chosen by the
 * caller through `*last` = NULL; trailing slashes are kept in *trailing_slash. */
wasi_errno_t path_split_beneath(int dirfd, const char *path, int *parent_fd, char **last,
                                bool *trailing_slash);

#endif
