/* Operations on paths beneath a directory descriptor (path_*).
 *
 * Every path goes through path_resolve.c, which yields the directory that holds the last
 * component and that component's name; the operation is then one *at() syscall on that pair,
 * never following a symlink itself (those that may follow one have path_resolve do it, beneath
 * the directory). Nothing here builds host paths from strings.
 *
 * Trailing slashes: a guest path "name/" says "name is a directory". The kernel would follow a
 * symlink named that way in some calls, so the slash is never passed on; each operation applies
 * the rule itself, giving the errno Linux gives for the same call. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_table.h"
#include "guest_mem.h"
#include "path_resolve.h"
#include "wasi_errno.h"
#include "wasi_impl.h"
#include "wasi_stat.h"

/* The directory entry `fd` with `right`, and the guest path decoded. A descriptor that is no
 * directory is ENOTDIR before any rights question (as wasmtime answers). */
static wasi_errno_t dir_and_path(wasi_ctx *ctx, uint32_t fd, wasi_rights_t right, uint32_t path,
                                 uint32_t path_len, struct wasi_fd_entry **dir, char **out) {
  wasi_errno_t err = fd_table_get(ctx->fds, fd, 0, dir);
  if (err)
    return err;
  if ((*dir)->filetype != WASI_FILETYPE_DIRECTORY)
    return WASI_ENOTDIR;
  err = fd_table_get(ctx->fds, fd, right, dir);
  if (err)
    return err;
  return guest_mem_read_string(ctx->memory, path, path_len, out);
}

/* Looks up `fd` (needing `right`), decodes the path and resolves it. */
static wasi_errno_t resolve_at(wasi_ctx *ctx, uint32_t fd, wasi_rights_t right, uint32_t path,
                               uint32_t path_len, bool follow, struct resolved_path *r) {
  struct wasi_fd_entry *dir;
  char *p;
  wasi_errno_t err = dir_and_path(ctx, fd, right, path, path_len, &dir, &p);
  if (err)
    return err;
  err = path_resolve(dir->host_fd, p, follow, r);
  free(p);
  return err;
}

/* lstat of the resolved name: 0, or the host errno. */
static int lstat_at(const struct resolved_path *r, struct stat *st) {
  return fstatat(r->dir_fd, r->name, st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

/* For calls that follow the last component: "name/" must be a directory once followed. */
static wasi_errno_t require_dir_if_slash(const struct resolved_path *r) {
  struct stat st;
  if (!r->trailing_slash)
    return WASI_ESUCCESS;
  int e = lstat_at(r, &st);
  if (e)
    return wasi_errno_from_host(e);
  return S_ISDIR(st.st_mode) ? WASI_ESUCCESS : WASI_ENOTDIR;
}

/* For calls that create `name`: with a trailing slash, Linux says EEXIST if something is
 * there, ENOENT if not (it will not create a non-directory under a directory's name). */
static wasi_errno_t create_with_slash_error(const struct resolved_path *r) {
  struct stat st;
  return lstat_at(r, &st) == 0 ? WASI_EEXIST : WASI_ENOENT;
}

static wasi_errno_t host_result(int rc) {
  return rc == 0 ? WASI_ESUCCESS : wasi_errno_last();
}

wasi_errno_t wasi_path_open(wasi_ctx *ctx, uint32_t fd, uint32_t dirflags, uint32_t path,
                            uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                            uint64_t rights_inheriting, uint32_t fdflags, uint32_t fd_out) {
  struct wasi_fd_entry *dir;
  char *p;
  wasi_errno_t err = dir_and_path(ctx, fd, WASI_RIGHT_PATH_OPEN, path, path_len, &dir, &p);
  if (err)
    return err;
  if (!guest_mem_span(ctx->memory, fd_out, 4)) {
    free(p); /* checked before anything is created or truncated */
    return WASI_EFAULT;
  }
  /* Rights the directory must hold for what the open itself does. */
  wasi_rights_t needed = 0;
  if (oflags & WASI_O_CREAT)
    needed |= WASI_RIGHT_PATH_CREATE_FILE;
  if (oflags & WASI_O_TRUNC)
    needed |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
  if ((dir->rights_base & needed) != needed) {
    free(p);
    return WASI_ENOTCAPABLE;
  }
  int flags = 0;
  bool want_write = rights_base & (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE |
                                   WASI_RIGHT_FD_FILESTAT_SET_SIZE);
  bool want_read = rights_base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
  if ((oflags & WASI_O_DIRECTORY) && (rights_base & WASI_RIGHT_FD_WRITE)) {
    free(p); /* a directory cannot be written; asking for it explicitly is an error */
    return WASI_EISDIR;
  }
  if (oflags & WASI_O_DIRECTORY)
    flags |= O_DIRECTORY | O_RDONLY;
  else if (want_write && want_read)
    flags |= O_RDWR;
  else if (want_write)
    flags |= O_WRONLY;
  else
    flags |= O_RDONLY;
  if (oflags & WASI_O_CREAT)
    flags |= O_CREAT;
  if (oflags & WASI_O_EXCL)
    flags |= O_EXCL;
  if (oflags & WASI_O_TRUNC)
    flags |= O_TRUNC;
  if (fdflags & WASI_FDFLAG_APPEND)
    flags |= O_APPEND;
  if (fdflags & WASI_FDFLAG_NONBLOCK)
    flags |= O_NONBLOCK;
  if (fdflags & WASI_FDFLAG_DSYNC)
    flags |= O_DSYNC;
  if (fdflags & (WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC))
    flags |= O_SYNC;
  if ((flags & O_TRUNC) && (flags & O_ACCMODE) == O_RDONLY)
    flags = (flags & ~O_ACCMODE) | O_WRONLY; /* truncating is writing, whatever the rights */
  bool follow = dirflags & WASI_LOOKUP_SYMLINK_FOLLOW;
  int host_fd;
  err = path_open_beneath(dir->host_fd, p, flags, 0666, follow, &host_fd);
  /* A directory opened without O_DIRECTORY but with write access: retry read-only, as the
   * guest may only want to list it. */
  if (err == WASI_EISDIR && !(flags & (O_CREAT | O_TRUNC)) && (flags & O_ACCMODE) != O_RDONLY)
    err = path_open_beneath(dir->host_fd, p, (flags & ~O_ACCMODE & ~O_APPEND) | O_RDONLY, 0, follow,
                            &host_fd);
  free(p);
  if (err)
    return err;
  uint8_t type = fd_filetype_of_host_fd(host_fd);
  wasi_rights_t allowed = fd_rights_for_filetype(type) & dir->rights_inheriting;
  wasi_fd_t guest_fd;
  err = fd_table_insert(ctx->fds, host_fd, type, rights_base & allowed,
                        rights_inheriting & dir->rights_inheriting, &guest_fd);
  if (err) {
    close(host_fd);
    return err;
  }
  err = guest_mem_write_u32(ctx->memory, fd_out, guest_fd);
  if (err)
    fd_table_close(ctx->fds, guest_fd);
  return err;
}

wasi_errno_t wasi_path_filestat_get(wasi_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path,
                                    uint32_t path_len, uint32_t filestat_out) {
  struct resolved_path r;
  wasi_errno_t err = resolve_at(ctx, fd, WASI_RIGHT_PATH_FILESTAT_GET, path, path_len,
                                flags & WASI_LOOKUP_SYMLINK_FOLLOW, &r);
  if (err)
    return err;
  /* "name/" follows a final symlink, as stat(2) does. */
  if (r.trailing_slash && !(flags & WASI_LOOKUP_SYMLINK_FOLLOW)) {
    resolved_path_free(&r);
    return wasi_path_filestat_get(ctx, fd, flags | WASI_LOOKUP_SYMLINK_FOLLOW, path, path_len,
                                  filestat_out);
  }
  struct stat st;
  err = require_dir_if_slash(&r);
  if (!err)
    err = host_result(fstatat(r.dir_fd, r.name, &st, AT_SYMLINK_NOFOLLOW));
  resolved_path_free(&r);
  return err ? err : wasi_stat_write(ctx->memory, filestat_out, &st);
}

wasi_errno_t wasi_path_filestat_set_times(wasi_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path,
                                          uint32_t path_len, uint64_t atim, uint64_t mtim,
                                          uint32_t fst_flags) {
  struct timespec ts[2];
  wasi_errno_t err = wasi_stat_times(atim, mtim, fst_flags, ts);
  if (err)
    return err;
  struct resolved_path r;
  bool follow = flags & WASI_LOOKUP_SYMLINK_FOLLOW;
  err = resolve_at(ctx, fd, WASI_RIGHT_PATH_FILESTAT_SET_TIMES, path, path_len, follow, &r);
  if (!err && r.trailing_slash && !follow) {
    resolved_path_free(&r);
    err = resolve_at(ctx, fd, WASI_RIGHT_PATH_FILESTAT_SET_TIMES, path, path_len, true, &r);
  }
  if (err)
    return err;
  err = require_dir_if_slash(&r);
  if (!err)
    err = host_result(utimensat(r.dir_fd, r.name, ts, AT_SYMLINK_NOFOLLOW));
  resolved_path_free(&r);
  return err;
}

wasi_errno_t wasi_path_create_directory(wasi_ctx *ctx, uint32_t fd, uint32_t path,
                                        uint32_t path_len) {
  struct resolved_path r;
  wasi_errno_t err =
      resolve_at(ctx, fd, WASI_RIGHT_PATH_CREATE_DIRECTORY, path, path_len, false, &r);
  if (err)
    return err;
  err = host_result(mkdirat(r.dir_fd, r.name, 0777));
  resolved_path_free(&r);
  return err;
}

wasi_errno_t wasi_path_remove_directory(wasi_ctx *ctx, uint32_t fd, uint32_t path,
                                        uint32_t path_len) {
  struct resolved_path r;
  wasi_errno_t err =
      resolve_at(ctx, fd, WASI_RIGHT_PATH_REMOVE_DIRECTORY, path, path_len, false, &r);
  if (err)
    return err;
  /* rmdir of a path ending in "." (the directory itself) is EINVAL in POSIX. */
  err = strcmp(r.name, ".") == 0 ? WASI_EINVAL
                                 : host_result(unlinkat(r.dir_fd, r.name, AT_REMOVEDIR));
  resolved_path_free(&r);
  return err;
}

wasi_errno_t wasi_path_unlink_file(wasi_ctx *ctx, uint32_t fd, uint32_t path, uint32_t path_len) {
  struct resolved_path r;
  wasi_errno_t err = resolve_at(ctx, fd, WASI_RIGHT_PATH_UNLINK_FILE, path, path_len, false, &r);
  if (err)
    return err;
  struct stat st;
  if (strcmp(r.name, ".") == 0) {
    err = WASI_EISDIR;
  } else if (r.trailing_slash) {
    /* unlink("name/") never removes anything: a directory is EISDIR, the rest ENOTDIR. */
    int e = lstat_at(&r, &st);
    err = e ? wasi_errno_from_host(e) : S_ISDIR(st.st_mode) ? WASI_EISDIR : WASI_ENOTDIR;
  } else {
    err = host_result(unlinkat(r.dir_fd, r.name, 0));
  }
  resolved_path_free(&r);
  return err;
}

wasi_errno_t wasi_path_symlink(wasi_ctx *ctx, uint32_t old_path, uint32_t old_path_len, uint32_t fd,
                               uint32_t new_path, uint32_t new_path_len) {
  char *target;
  wasi_errno_t err = guest_mem_read_string(ctx->memory, old_path, old_path_len, &target);
  if (err)
    return err;
  struct resolved_path r;
  err = resolve_at(ctx, fd, WASI_RIGHT_PATH_SYMLINK, new_path, new_path_len, false, &r);
  if (!err) {
    /* Resolution refuses absolute or escaping targets whenever a link is followed, so such
     * a link could never be used; an absolute one is refused now (EPERM, as wasmtime's
     * cap-std does), a relative one is kept as data. */
    if (target[0] == '/')
      err = WASI_EPERM;
    else if (strcmp(r.name, ".") == 0)
      err = WASI_EEXIST;
    else if (r.trailing_slash)
      err = create_with_slash_error(&r);
    else
      err = host_result(symlinkat(target, r.dir_fd, r.name));
    resolved_path_free(&r);
  }
  free(target);
  return err;
}

wasi_errno_t wasi_path_readlink(wasi_ctx *ctx, uint32_t fd, uint32_t path, uint32_t path_len,
                                uint32_t buf, uint32_t buf_len, uint32_t bufused_out) {
  if (!guest_mem_span(ctx->memory, buf, buf_len) || !guest_mem_span(ctx->memory, bufused_out, 4))
    return WASI_EFAULT;
  struct resolved_path r;
  wasi_errno_t err = resolve_at(ctx, fd, WASI_RIGHT_PATH_READLINK, path, path_len, false, &r);
  if (err)
    return err;
  char target[PATH_MAX];
  ssize_t n = -1;
  if (r.trailing_slash) {
    /* readlink("name/") follows name: what it reaches is a directory (EINVAL: not a link) or
     * not (ENOTDIR). */
    resolved_path_free(&r);
    err = resolve_at(ctx, fd, WASI_RIGHT_PATH_READLINK, path, path_len, true, &r);
    if (!err)
      err = require_dir_if_slash(&r);
    if (!err)
      err = WASI_EINVAL;
  } else {
    n = readlinkat(r.dir_fd, r.name, target, sizeof target);
    err = n < 0 ? wasi_errno_last() : WASI_ESUCCESS;
  }
  resolved_path_free(&r);
  if (err)
    return err;
  /* A buffer too small gets the first buf_len bytes, as readlink(2) does. */
  uint32_t used = (size_t)n < buf_len ? (uint32_t)n : buf_len;
  err = guest_mem_write_bytes(ctx->memory, buf, target, used);
  return err ? err : guest_mem_write_u32(ctx->memory, bufused_out, used);
}

wasi_errno_t wasi_path_link(wasi_ctx *ctx, uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                            uint32_t old_path_len, uint32_t new_fd, uint32_t new_path,
                            uint32_t new_path_len) {
  struct resolved_path from, to;
  wasi_errno_t err = resolve_at(ctx, old_fd, WASI_RIGHT_PATH_LINK_SOURCE, old_path, old_path_len,
                                old_flags & WASI_LOOKUP_SYMLINK_FOLLOW, &from);
  if (err)
    return err;
  err = resolve_at(ctx, new_fd, WASI_RIGHT_PATH_LINK_TARGET, new_path, new_path_len, false, &to);
  if (err) {
    resolved_path_free(&from);
    return err;
  }
  struct stat st;
  int e = lstat_at(&from, &st);
  if (e)
    err = wasi_errno_from_host(e);
  else if (S_ISDIR(st.st_mode))
    err = WASI_EPERM; /* hard links to directories: EPERM on Linux */
  else if (from.trailing_slash)
    err = WASI_ENOTDIR;
  else if (strcmp(to.name, ".") == 0)
    err = WASI_EEXIST;
  else if (to.trailing_slash)
    err = create_with_slash_error(&to);
  else
    err = host_result(linkat(from.dir_fd, from.name, to.dir_fd, to.name, 0));
  resolved_path_free(&from);
  resolved_path_free(&to);
  return err;
}

wasi_errno_t wasi_path_rename(wasi_ctx *ctx, uint32_t fd, uint32_t old_path, uint32_t old_path_len,
                              uint32_t new_fd, uint32_t new_path, uint32_t new_path_len) {
  struct resolved_path from, to;
  wasi_errno_t err =
      resolve_at(ctx, fd, WASI_RIGHT_PATH_RENAME_SOURCE, old_path, old_path_len, false, &from);
  if (err)
    return err;
  err = resolve_at(ctx, new_fd, WASI_RIGHT_PATH_RENAME_TARGET, new_path, new_path_len, false, &to);
  if (err) {
    resolved_path_free(&from);
    return err;
  }
  struct stat st;
  int e = lstat_at(&from, &st);
  if (e)
    err = wasi_errno_from_host(e);
  else if (strcmp(from.name, ".") == 0 || strcmp(to.name, ".") == 0)
    err = WASI_EBUSY; /* renaming a directory onto or from itself by "." */
  else if ((from.trailing_slash || to.trailing_slash) && !S_ISDIR(st.st_mode))
    err = WASI_ENOTDIR; /* "name/" says directory, and this is not one */
  else
    err = host_result(renameat(from.dir_fd, from.name, to.dir_fd, to.name));
  resolved_path_free(&from);
  resolved_path_free(&to);
  return err;
}
