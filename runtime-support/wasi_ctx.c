/* The WASI context: building it from the host command line, and the guest's view of its
 * arguments, environment and process (args_*, environ_*, proc_*, sched_yield). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd_table.h"
#include "guest_mem.h"
#include "wasi_impl.h"

/* A host fd 0-2 that is closed becomes /dev/null: otherwise the next descriptor the runtime
 * opens (a preopen, a guest's file) would take its number and be reachable as guest stdio,
 * with stdio's rules, and never closed. False if it cannot be made. */
static bool stdio_open_or_null(int fd) {
  if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
    return true;
  int null = open("/dev/null", O_RDWR);
  if (null < 0)
    return false;
  if (null != fd) { /* a lower stdio fd was open and this one is free: move it there */
    int moved = dup2(null, fd);
    close(null);
    return moved == fd;
  }
  return true;
}

int wasi_ctx_init(wasi_ctx *ctx, uint32_t argc, char **argv, uint32_t envc, char **envp) {
  memset(ctx, 0, sizeof *ctx);
  ctx->argc = argc;
  ctx->argv = argv;
  ctx->envc = envc;
  ctx->envp = envp;
  ctx->fds = malloc(sizeof *ctx->fds);
  if (!ctx->fds) {
    fprintf(stderr, "wasmaot: out of memory\n");
    return -1;
  }
  fd_table_init(ctx->fds);
  /* stdio: the host's own 0, 1, 2. They are shared with whoever started us (a terminal, a pipe,
   * a `>> log` file), so the guest gets a stream on each, whatever the host fd is: read, write
   * and stat, no seek, truncate, times or allocation, and fdflags kept per guest descriptor
   * (fd_io.c) rather than set on the shared host file. As wasmtime: the type is
   * CHARACTER_DEVICE for a terminal (a guest's isatty() is true) and UNKNOWN for anything
   * else (a pipe, a `> file`, a socket: what the host fd is stays the host's), and the fdflags
   * start clear (a host `>> log` keeps its append mode without the guest being told).
   * (wasmtime gives FD_READ only on 0, FD_WRITE only on 1-2; we keep both directions, as the
   * host fd's own access mode already limits them.) */
  for (int fd = 0; fd < 3; fd++) {
    if (!stdio_open_or_null(fd)) {
      fprintf(stderr, "wasmaot: cannot set up stdio\n");
      return -1;
    }
    uint8_t type = isatty(fd) ? WASI_FILETYPE_CHARACTER_DEVICE : WASI_FILETYPE_UNKNOWN;
    wasi_rights_t rights = fd_rights_for_stream();
    wasi_fd_t got;
    if (fd_table_insert(ctx->fds, fd, type, rights, rights, &got) != WASI_ESUCCESS) {
      fprintf(stderr, "wasmaot: cannot set up stdio\n");
      return -1;
    }
    struct wasi_fd_entry *e = &ctx->fds->entries[got];
    e->host_stdio = true;
    /* The guest starts blocking (a parent's O_NONBLOCK is waited out, fd_io.c). */
    e->stdio_fdflags = 0;
  }
  return 0;
}

int wasi_ctx_preopen_dir(wasi_ctx *ctx, const char *host_path, const char *guest_path) {
  int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "wasmaot: --dir %s: cannot open directory: %s\n", host_path, strerror(errno));
    return -1;
  }
  wasi_rights_t rights = fd_rights_for_filetype(WASI_FILETYPE_DIRECTORY);
  wasi_fd_t got;
  if (fd_table_insert(ctx->fds, fd, WASI_FILETYPE_DIRECTORY, rights, WASI_RIGHTS_ALL, &got)) {
    close(fd);
    fprintf(stderr, "wasmaot: --dir %s: too many descriptors\n", host_path);
    return -1;
  }
  /* Without its name the slot would be an ordinary directory fd the guest cannot find. */
  ctx->fds->entries[got].preopen_name = strdup(guest_path);
  if (!ctx->fds->entries[got].preopen_name) {
    fd_table_close(ctx->fds, got);
    fprintf(stderr, "wasmaot: --dir %s: out of memory\n", host_path);
    return -1;
  }
  return 0;
}

int wasi_ctx_preopen_spec(wasi_ctx *ctx, const char *spec) {
  char *host = strdup(spec);
  if (!host) {
    fprintf(stderr, "wasmaot: --dir %s: out of memory\n", spec);
    return -1;
  }
  char *sep = strstr(host, "::");
  const char *guest = host;
  if (sep) {
    *sep = 0;
    guest = sep + 2;
  }
  int r = wasi_ctx_preopen_dir(ctx, host, guest);
  free(host);
  return r;
}

/* Serve: the pristine table (its own duplicates, to rebuild from) and a shallow copy of the live
 * table as it was after the last rebuild (to see cheaply whether the guest changed it). */
struct wasi_fd_snapshot {
  struct wasi_fd_table pristine;
  struct wasi_fd_entry *expected;
  uint32_t expected_capacity;
};

static void snapshot_free(struct wasi_fd_snapshot *snap) {
  fd_table_free(&snap->pristine);
  free(snap->expected);
  free(snap);
}

/* expected := a shallow copy of the live table. */
static int snapshot_expect(struct wasi_fd_snapshot *snap, const struct wasi_fd_table *live) {
  size_t bytes = (size_t)live->capacity * sizeof *live->entries;
  if (live->capacity != snap->expected_capacity) {
    struct wasi_fd_entry *e = realloc(snap->expected, bytes ? bytes : 1);
    if (!e)
      return -1;
    snap->expected = e;
    snap->expected_capacity = live->capacity;
  }
  if (bytes)
    memcpy(snap->expected, live->entries, bytes);
  return 0;
}

int wasi_ctx_set_mem_stream(wasi_ctx *ctx, uint32_t fd, struct wasi_mem_stream *stream,
                            int null_fd) {
  if (fd > 2 || fd >= ctx->fds->capacity || !ctx->fds->entries[fd].in_use)
    return -1;
  struct wasi_fd_entry *e = &ctx->fds->entries[fd];
  e->host_fd = null_fd;
  e->host_stdio = true;
  e->stdio_fdflags = 0;
  e->filetype = WASI_FILETYPE_UNKNOWN; /* not a terminal (wasi_ctx_init's stdio) */
  e->mem_stream = stream;
  return 0;
}

int wasi_ctx_snapshot(wasi_ctx *ctx) {
  struct wasi_fd_snapshot *snap = calloc(1, sizeof *snap);
  if (!snap || fd_table_copy(&snap->pristine, ctx->fds) != 0 ||
      snapshot_expect(snap, ctx->fds) != 0) {
    if (snap)
      snapshot_free(snap);
    fprintf(stderr, "wasmaot: cannot snapshot the descriptor table\n");
    return -1;
  }
  ctx->fd_snapshot = snap;
  return 0;
}

int wasi_ctx_reset(wasi_ctx *ctx, uint32_t envc, char **envp) {
  ctx->envc = envc;
  ctx->envp = envp;
  struct wasi_fd_snapshot *snap = ctx->fd_snapshot;
  struct wasi_fd_table expected = {snap->expected, snap->expected_capacity};
  if (fd_table_same(ctx->fds, &expected))
    return 0;
  fd_table_free(ctx->fds);
  if (fd_table_copy(ctx->fds, &snap->pristine) != 0 || snapshot_expect(snap, ctx->fds) != 0) {
    fprintf(stderr, "wasmaot: cannot restore the descriptor table\n");
    return -1;
  }
  return 0;
}

void wasi_ctx_free(wasi_ctx *ctx) {
  if (ctx->fds) {
    fd_table_free(ctx->fds);
    free(ctx->fds);
    ctx->fds = NULL;
  }
  if (ctx->fd_snapshot) {
    snapshot_free(ctx->fd_snapshot);
    ctx->fd_snapshot = NULL;
  }
}

/* args_* and environ_* share one shape: a list of NUL-terminated strings written as an
 * array of guest pointers plus one buffer. Both outputs are checked whole before either is
 * written: an EFAULT leaves guest memory as it was. */
static uint64_t strings_size(uint32_t n, char **list) {
  uint64_t size = 0;
  for (uint32_t i = 0; i < n; i++)
    size += strlen(list[i]) + 1;
  return size;
}

static wasi_errno_t strings_sizes(wasi_ctx *ctx, uint32_t n, char **list, uint32_t count_out,
                                  uint32_t size_out) {
  uint64_t size = strings_size(n, list);
  if (size > UINT32_MAX)
    return WASI_EOVERFLOW;
  wasi_errno_t err = GUEST_MEM_CHECK(ctx->memory, {count_out, 4}, {size_out, 4});
  if (err)
    return err;
  guest_mem_write_u32(ctx->memory, count_out, n);
  return guest_mem_write_u32(ctx->memory, size_out, (uint32_t)size);
}

static wasi_errno_t strings_get(wasi_ctx *ctx, uint32_t n, char **list, uint32_t ptrs,
                                uint32_t buf) {
  wasi_errno_t err =
      GUEST_MEM_CHECK(ctx->memory, {ptrs, 4 * (uint64_t)n}, {buf, strings_size(n, list)});
  if (err)
    return err;
  uint32_t at = buf; /* cannot wrap: buf + the whole size is inside memory */
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = (uint32_t)strlen(list[i]) + 1;
    guest_mem_write_u32(ctx->memory, ptrs + 4 * i, at);
    guest_mem_write_bytes(ctx->memory, at, list[i], len);
    at += len;
  }
  return WASI_ESUCCESS;
}

wasi_errno_t wasi_args_sizes_get(wasi_ctx *ctx, uint32_t argc_out, uint32_t buf_size_out) {
  return strings_sizes(ctx, ctx->argc, ctx->argv, argc_out, buf_size_out);
}
wasi_errno_t wasi_args_get(wasi_ctx *ctx, uint32_t argv, uint32_t argv_buf) {
  return strings_get(ctx, ctx->argc, ctx->argv, argv, argv_buf);
}
wasi_errno_t wasi_environ_sizes_get(wasi_ctx *ctx, uint32_t count_out, uint32_t buf_size_out) {
  return strings_sizes(ctx, ctx->envc, ctx->envp, count_out, buf_size_out);
}
wasi_errno_t wasi_environ_get(wasi_ctx *ctx, uint32_t environ, uint32_t environ_buf) {
  return strings_get(ctx, ctx->envc, ctx->envp, environ, environ_buf);
}

/* Defined by runtime-support/tierup.c when the executable has in-run tier-up. */
void wasmaot_exit_cleanup(void) __attribute__((weak));

void wasi_proc_exit(wasi_ctx *ctx, uint32_t code) {
  (void)ctx;
  if (wasmaot_unwind_target) { /* serve: end this request, not the server */
    wasmaot_unwind_target->exited = true;
    wasmaot_unwind_target->exit_code = code;
    longjmp(wasmaot_unwind_target->jmp, 1);
  }
  /* Nothing of the host is buffered (guest writes go straight to the fds): exit now. */
  if (wasmaot_exit_cleanup) /* in-run tier-up's files (tierup.c) */
    wasmaot_exit_cleanup();
  _exit((int)(code & 0xff));
}

wasi_errno_t wasi_proc_raise(wasi_ctx *ctx, uint32_t sig) {
  (void)ctx;
  (void)sig;
  return WASI_ENOSYS; /* removed from later WASI; wasmtime does not implement it either */
}

wasi_errno_t wasi_sched_yield(wasi_ctx *ctx) {
  (void)ctx;
  sched_yield();
  return WASI_ESUCCESS;
}
