/* Path resolution: turning a guest path, relative to a directory descriptor the guest holds,
 * into host descriptors — without ever leaving that directory.
 *
 * No string checks on host paths: every component is resolved by the kernel relative to the
 * directory fd. Two strategies, chosen once at run time:
 *   - openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (Linux >= 5.6): the kernel walks
 *     the whole path and fails with EXDEV if any step ("..", an absolute symlink, a symlink
 *     pointing outside) would leave the directory;
 *   - where openat2 is missing (ENOSYS), our own walk: one openat(O_PATH | O_NOFOLLOW) per
 *     component, a stack of directory fds for "..", symlinks read with readlinkat and spliced
 *     into the remaining path (at most PATH_RESOLVE_MAX_SYMLINKS of them, then ELOOP).
 * Both give the same answers; WASMAOT_FORCE_PATH_WALK=1 in the environment selects the walk
 * even where openat2 exists, so the tests can prove that.
 *
 * Leaving the directory, by any route, is WASI_ENOTCAPABLE; an absolute guest path too. */
#ifndef WASMAOT_PATH_RESOLVE_H
#define WASMAOT_PATH_RESOLVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "wasi_types.h"

/* Linux's own limit (MAXSYMLINKS), so both strategies agree. */
#define PATH_RESOLVE_MAX_SYMLINKS 40

/* Where a path leads: the directory that holds its last component, and that component's name.
 * `name` is one component (no '/'), never ".."; it is "." when the path names `dir_fd` itself
 * (e.g. "", ".", "a/.."). Operations then act on (dir_fd, name) with the *at() syscalls and
 * AT_SYMLINK_NOFOLLOW, so nothing they do can leave the directory either. */
struct resolved_path {
  int dir_fd;          /* O_PATH directory fd, owned: release with resolved_path_free */
  char *name;          /* owned */
  bool trailing_slash; /* the guest path ended in '/' (the caller decides what that means) */
};

/* Resolves `path` beneath `dirfd`. Every component but the last is followed wherever it leads
 * (inside the directory); the last is followed too, repeatedly, when follow_final is true and
 * it is a symlink. A last component that does not exist is not an error here. */
wasi_errno_t path_resolve(int dirfd, const char *path, bool follow_final,
                          struct resolved_path *out);
void resolved_path_free(struct resolved_path *r);

/* Opens `path` beneath `dirfd` with open(2) `flags` and `mode`. When follow_final_symlink is
 * false and the last component is a symlink, the open fails with ELOOP (or, with O_PATH, opens
 * the link itself), as open(2) with O_NOFOLLOW does. */
wasi_errno_t path_open_beneath(int dirfd, const char *path, int flags, mode_t mode,
                               bool follow_final_symlink, int *out_fd);

/* True when resolution uses the openat2 strategy (for tests and -v output). */
bool path_resolve_uses_openat2(void);

#endif
