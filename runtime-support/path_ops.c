/* Operations on paths beneath a directory descriptor (path_*), and fd_readdir.
 * Every path goes through path_resolve.c; nothing here builds host paths from strings. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

/* The directory entry `fd` with `right`, and the guest path decoded. */
static wasi_errno_t dir_and_path(wasi_ctx *ctx, uint32_t fd, wasi_rights_t right, uint32_t path,
                                 uint32_t path_len, struct wasi_fd_entry **dir, char **out) {
  wasi_errno_t err = fd_table_get(ctx->fds, fd, right, dir);
  if (err)
    return err;
  if ((*dir)->filetype != WASI_FILETYPE_DIRECTORY)
    return WASI_ENOTDIR;
  return guest_mem_read_string(ctx->memory, path, path_len, out);
}

wasi_errno_t wasi_path_open(wasi_ctx *ctx, uint32_t fd, uint32_t dirflags, uint32_t path,
                            uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                            uint64_t rights_inheriting, uint32_t fdflags, uint32_t fd_out) {
  struct wasi_fd_entry *dir;
  char *p;
  wasi_errno_t err = dir_and_path(ctx, fd, WASI_RIGHT_PATH_OPEN, path, path_len, &dir, &p);
  if (err)
    return err;
  int flags = 0;
  bool want_write = rights_base & (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE |
                                   WASI_RIGHT_FD_FILESTAT_SET_SIZE);
  bool want_read = rights_base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
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
  if ((oflags & WASI_O_CREAT) && !(dir->rights_base & WASI_RIGHT_PATH_CREATE_FILE)) {
    free(p);
    return WASI_ENOTCAPABLE;
  }
  int host_fd;
  err = path_open_beneath(dir->host_fd, p, flags, 0666, dirflags & WASI_LOOKUP_SYMLINK_FOLLOW,
                          &host_fd);
  /* A directory opened without O_DIRECTORY but with write access: retry read-only, as the
   * guest may only want to list it. */
  if (err == WASI_EISDIR && !(flags & (O_CREAT | O_TRUNC)))
    err = path_open_beneath(dir->host_fd, p, (flags & ~O_ACCMODE & ~O_APPEND) | O_RDONLY, 0,
                            dirflags & WASI_LOOKUP_SYMLINK_FOLLOW, &host_fd);
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
  struct wasi_fd_entry *dir;
  char *p;
  wasi_errno_t err = dir_and_path(ctx, fd, WASI_RIGHT_PATH_FILESTAT_GET, path, path_len, &dir, &p);
  if (err)
    return err;
  int host_fd;
  err = path_open_beneath(dir->host_fd, p, O_PATH, 0, flags & WASI_LOOKUP_SYMLINK_FOLLOW,
                          &host_fd);
  free(p);
  if (err)
    return err;
  struct stat st;
  err = fstat(host_fd, &st) == 0 ? WASI_ESUCCESS : wasi_errno_last();
  close(host_fd);
  return err ? err : wasi_stat_write(ctx->memory, filestat_out, &st);
}

/* Not yet implemented; the complete filesystem surface is tracked in its own issue. */
wasi_errno_t wasi_fd_readdir(wasi_ctx *ctx, uint32_t fd, uint32_t buf, uint32_t buf_len,
                             uint64_t cookie, uint32_t bufused_out) {
  (void)ctx, (void)fd, (void)buf, (void)buf_len, (void)cookie, (void)bufused_out;
  return WASI_ENOSYS;
}
wasi_errno_t wasi_path_create_directory(wasi_ctx *ctx, uint32_t fd, uint32_t path,
                                        uint32_t path_len) {
  (void)ctx, (void)fd, (void)path, (void)path_len;
  return WASI_ENOSYS;
}
wasi_errno_t wasi_path_filestat_set_times(wasi_ctx *ctx, uint32_t fd, uint32_t flags,
                                          uint32_t path, uint32_t path_len, uint64_t atim,
                                          uint64_t mtim, uint32_t fst_flags) {
  (void)ctx, (void)fd, (void)flags, (void)path, (void)path_len, (void)atim, (void)mtim,
      (void)fst_flags;
  return WASI_ENOSYS;
}
wasi_errno_t wasi_path_link(wasi_ctx *ctx, uint32_t old_fd, uint32_t old_flags,
                            uint32_t old_path, uint32_t old_path_len, uint32_t new_fd,
                            uint32_t new_path, uint32_t new_path_len) {
  (void)ctx, (void)old_fd, (void)old_flags, (void)old_path, (void)old_path_len, (void)new_fd,
      (void)new_path, (void)new_path_len;
  return WASI_ENOSYS;
}
wasi_errno_t wasi_path_readlink(wasi_ctx *ctx, uint32_t fd, uint32_t path, uint32_t path_len,
                                uint32_t buf, uint32_t buf_len, uint32_t bufused_out) {
  (void)ctx, (void)fd, (void)path, (void)path_len, (void)buf, (void)buf_len, (void)bufused_out;
  return WASI_ENOSYS;
}
wasi_errno_t wasi_path_remove_directory(wasi_ctx *ctx, uint32_t fd, uint32_t path,
                                        uint32_t path_len) {
  (void)ctx, (void)fd, (void)path, (void)path_len;
  return WASI_ENOSYS;
}
wasi_errno_t wasi_path_rename(wasi_ctx *ctx, uint32_t fd, uint32_t old_path,
                              uint32_t old_path_len, uint32_t new_fd, uint32_t new_path,
                              uint32_t new_path_len) {
  (void)ctx, (void)fd, (void)old_path, (void)old_path_len, (void)new_fd, (void)new_path,
      (void)new_path_len;
  return WASI_ENOSYS;
}
wasi_errno_t wasi_path_symlink(wasi_ctx *ctx, uint32_t old_path, uint32_t old_path_len,
                               uint32_t fd, uint32_t new_path, uint32_t new_path_len) {
  (void)ctx, (void)old_path, (void)old_path_len, (void)fd, (void)new_path, (void)new_path_len;
  return WASI_ENOSYS;
}
wasi_errno_t wasi_path_unlink_file(wasi_ctx *ctx, uint32_t fd, uint32_t path,
                                   uint32_t path_len) {
  (void)ctx, (void)fd, (void)path, (void)path_len;
  return WASI_ENOSYS;
}
