/* An adversarial WASI guest: tries to leave its pre-opened directory, hands the runtime bad
 * pointers and lengths, exhausts descriptors, and abuses preopens and fd_renumber.
 *
 *   sandbox_guest SCENARIO     (the pre-opened directory is the guest's first preopen, fd 3)
 *
 * It calls the preview1 imports directly (raw i32/i64 arguments, no wasi-libc wrappers), so
 * every pointer and length is exactly what the runtime receives. Each check prints
 * "ok LABEL" or "FAIL LABEL: got E, want W"; the exit status is the number of failures.
 * test_sandbox.c prepares the host directories, runs each scenario, and checks afterwards that
 * nothing outside the preopen changed. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
typedef int32_t i32;
typedef int64_t i64;

IMPORT(fd_write) i32 raw_fd_write(i32 fd, i32 iovs, i32 iovs_len, i32 nwritten);
IMPORT(fd_read) i32 raw_fd_read(i32 fd, i32 iovs, i32 iovs_len, i32 nread);
IMPORT(fd_close) i32 raw_fd_close(i32 fd);
IMPORT(fd_renumber) i32 raw_fd_renumber(i32 fd, i32 to);
IMPORT(fd_prestat_get) i32 raw_fd_prestat_get(i32 fd, i32 out);
IMPORT(fd_prestat_dir_name) i32 raw_fd_prestat_dir_name(i32 fd, i32 buf, i32 len);
IMPORT(fd_readdir) i32 raw_fd_readdir(i32 fd, i32 buf, i32 len, i64 cookie, i32 used);
IMPORT(fd_filestat_get) i32 raw_fd_filestat_get(i32 fd, i32 out);
IMPORT(path_open)
i32 raw_path_open(i32 fd, i32 dirflags, i32 path, i32 path_len, i32 oflags, i64 base,
                  i64 inheriting, i32 fdflags, i32 fd_out);
IMPORT(path_create_directory) i32 raw_path_create_directory(i32 fd, i32 path, i32 len);
IMPORT(path_remove_directory) i32 raw_path_remove_directory(i32 fd, i32 path, i32 len);
IMPORT(path_unlink_file) i32 raw_path_unlink_file(i32 fd, i32 path, i32 len);
IMPORT(path_filestat_get)
i32 raw_path_filestat_get(i32 fd, i32 flags, i32 path, i32 len, i32 out);
IMPORT(path_filestat_set_times)
i32 raw_path_filestat_set_times(i32 fd, i32 flags, i32 path, i32 len, i64 atim, i64 mtim,
                                i32 fst_flags);
IMPORT(path_symlink) i32 raw_path_symlink(i32 old, i32 old_len, i32 fd, i32 path, i32 len);
IMPORT(path_readlink)
i32 raw_path_readlink(i32 fd, i32 path, i32 len, i32 buf, i32 buf_len, i32 used);
IMPORT(path_rename)
i32 raw_path_rename(i32 fd, i32 old, i32 old_len, i32 new_fd, i32 path, i32 len);
IMPORT(path_link)
i32 raw_path_link(i32 old_fd, i32 flags, i32 old, i32 old_len, i32 new_fd, i32 path, i32 len);
IMPORT(args_get) i32 raw_args_get(i32 argv, i32 buf);
IMPORT(random_get) i32 raw_random_get(i32 buf, i32 len);
IMPORT(clock_time_get) i32 raw_clock_time_get(i32 id, i64 precision, i32 out);
IMPORT(args_sizes_get) i32 raw_args_sizes_get(i32 argc, i32 size);
IMPORT(environ_get) i32 raw_environ_get(i32 environ, i32 buf);
IMPORT(environ_sizes_get) i32 raw_environ_sizes_get(i32 count, i32 size);
IMPORT(fd_fdstat_get) i32 raw_fd_fdstat_get(i32 fd, i32 out);
IMPORT(fd_fdstat_set_flags) i32 raw_fd_fdstat_set_flags(i32 fd, i32 flags);
IMPORT(fd_seek) i32 raw_fd_seek(i32 fd, i64 offset, i32 whence, i32 out);
IMPORT(fd_tell) i32 raw_fd_tell(i32 fd, i32 out);
IMPORT(fd_pread) i32 raw_fd_pread(i32 fd, i32 iovs, i32 iovs_len, i64 offset, i32 nread);
IMPORT(fd_pwrite) i32 raw_fd_pwrite(i32 fd, i32 iovs, i32 iovs_len, i64 offset, i32 nwritten);
IMPORT(fd_filestat_set_size) i32 raw_fd_filestat_set_size(i32 fd, i64 size);
IMPORT(fd_filestat_set_times) i32 raw_fd_filestat_set_times(i32 fd, i64 atim, i64 mtim, i32 fl);
IMPORT(fd_allocate) i32 raw_fd_allocate(i32 fd, i64 offset, i64 len);
IMPORT(fd_advise) i32 raw_fd_advise(i32 fd, i64 offset, i64 len, i32 advice);
IMPORT(fd_sync) i32 raw_fd_sync(i32 fd);
IMPORT(fd_datasync) i32 raw_fd_datasync(i32 fd);
IMPORT(poll_oneoff) i32 raw_poll_oneoff(i32 in, i32 out, i32 nsubscriptions, i32 nevents);

enum {
  E_SUCCESS = 0,
  E_AGAIN = 6,
  E_BADF = 8,
  E_EXIST = 20,
  E_FAULT = 21,
  E_ILSEQ = 25,
  E_INVAL = 28,
  E_LOOP = 32,
  E_MFILE = 33,
  E_NAMETOOLONG = 37,
  E_NFILE = 41,
  E_NOENT = 44,
  E_NOTDIR = 54,
  E_PERM = 63,
  E_SPIPE = 70,
  E_NOTCAPABLE = 76,
};
enum { LOOKUP_FOLLOW = 1, O_CREAT = 1, O_DIRECTORY = 2, O_EXCL = 4 };
#define RIGHTS_ALL ((1ll << 30) - 1)
#define RIGHT_FD_READ (1ll << 1)
#define RIGHT_FD_WRITE (1ll << 6)
#define FILETYPE_SYMLINK 7
#define FDFLAG_APPEND 1
#define FDFLAG_NONBLOCK 4
/* Rights that act on the file behind a descriptor, not on a stream: seek, tell, sync, datasync,
 * advise, allocate, filestat_set_size, filestat_set_times. */
#define FILE_ONLY_RIGHTS                                                                           \
  ((1ll << 2) | (1ll << 5) | (1ll << 4) | (1ll << 0) | (1ll << 7) | (1ll << 8) | (1ll << 22) |     \
   (1ll << 23))
#define STREAM_RIGHTS (RIGHT_FD_READ | RIGHT_FD_WRITE | (1ll << 27))

static const i32 sandbox = 3;
static int failures;

/* A guest address as the runtime sees it. */
static i32 addr(const void *p) {
  return (i32)(uintptr_t)p;
}
static i32 memory_end(void) {
  return (i32)(__builtin_wasm_memory_size(0) * 65536u);
}

static void expect(const char *label, i32 got, i32 want, i32 also) {
  if (got == want || got == also) {
    printf("ok %s\n", label);
  } else {
    printf("FAIL %s: got %d, want %d\n", label, got, want);
    failures++;
  }
}
/* Escapes may say EPERM (wasmtime's preview2-based answer) or ENOTCAPABLE (preview1's). */
static void expect_escape(const char *label, i32 got) {
  expect(label, got, E_NOTCAPABLE, E_PERM);
}

/* Opens with every right, but write for directories (O_DIRECTORY and FD_WRITE is EISDIR). */
static i32 open_path(const char *path, i32 dirflags, i32 oflags, i32 *fd) {
  i64 rights = (oflags & O_DIRECTORY) ? RIGHTS_ALL & ~RIGHT_FD_WRITE : RIGHTS_ALL;
  return raw_path_open(sandbox, dirflags, addr(path), (i32)strlen(path), oflags, rights, RIGHTS_ALL,
                       0, addr(fd));
}
static i32 stat_path(const char *path, i32 flags, uint8_t filestat[64]) {
  return raw_path_filestat_get(sandbox, flags, addr(path), (i32)strlen(path), addr(filestat));
}
#define P(s) addr(s), (i32)strlen(s)

/* "..", absolute paths: every path_* call refuses them, and creates nothing. */
static void scenario_dotdot(void) {
  i32 fd;
  uint8_t st[64];
  expect_escape("open ../outside/canary", open_path("../outside/canary", 0, 0, &fd));
  expect_escape("open sub/../../outside", open_path("sub/../../outside", 0, 0, &fd));
  expect_escape("open ..", open_path("..", 0, O_DIRECTORY, &fd));
  expect_escape("create ../made-by-guest", open_path("../made-by-guest", 0, O_CREAT | O_EXCL, &fd));
  expect_escape("mkdir ../dir-by-guest", raw_path_create_directory(sandbox, P("../dir-by-guest")));
  expect_escape("unlink ../outside/canary", raw_path_unlink_file(sandbox, P("../outside/canary")));
  expect_escape("rmdir ../outside/dir", raw_path_remove_directory(sandbox, P("../outside/dir")));
  expect_escape("stat ../outside/canary", stat_path("../outside/canary", 0, st));
  expect_escape("set_times ../outside/canary",
                raw_path_filestat_set_times(sandbox, 0, P("../outside/canary"), 0, 0, 0xa));
  expect_escape("rename sub/file -> ../outside/stolen",
                raw_path_rename(sandbox, P("sub/file"), sandbox, P("../outside/stolen")));
  expect_escape("rename ../outside/canary -> taken",
                raw_path_rename(sandbox, P("../outside/canary"), sandbox, P("taken")));
  expect_escape("link ../outside/canary -> hard",
                raw_path_link(sandbox, 0, P("../outside/canary"), sandbox, P("hard")));
  expect_escape("link sub/file -> ../outside/hard",
                raw_path_link(sandbox, 0, P("sub/file"), sandbox, P("../outside/hard")));
  expect_escape("symlink at ../outside/link",
                raw_path_symlink(P("sub"), sandbox, P("../outside/link")));
  char buf[64];
  i32 used;
  expect_escape("readlink ../outside/link",
                raw_path_readlink(sandbox, P("../outside/link"), addr(buf), 64, addr(&used)));
  expect("open sub/../sub/file stays inside", open_path("sub/../sub/file", 0, 0, &fd), E_SUCCESS,
         E_SUCCESS);
}

static void scenario_absolute(void) {
  i32 fd;
  uint8_t st[64];
  expect_escape("open /etc/passwd", open_path("/etc/passwd", 0, 0, &fd));
  expect_escape("open /", open_path("/", 0, O_DIRECTORY, &fd));
  expect_escape("stat /", stat_path("/", LOOKUP_FOLLOW, st));
  expect_escape("mkdir /tmp-by-guest", raw_path_create_directory(sandbox, P("/tmp-by-guest")));
  expect("symlink to an absolute target is refused",
         raw_path_symlink(P("/etc/passwd"), sandbox, P("abs-by-guest")), E_PERM, E_NOTCAPABLE);
}

/* The host made: out_rel -> ../outside, out_abs -> /abs/path/of/outside, in_link -> sub,
 * in_dotdot -> sub/../sub/file, chain -> in_link/../out_rel. */
static void scenario_symlinks(void) {
  i32 fd;
  uint8_t st[64];
  expect_escape("open out_rel/canary", open_path("out_rel/canary", LOOKUP_FOLLOW, 0, &fd));
  expect_escape("open out_rel (follow)", open_path("out_rel", LOOKUP_FOLLOW, O_DIRECTORY, &fd));
  expect_escape("open out_abs/canary", open_path("out_abs/canary", 0, 0, &fd));
  expect_escape("open chain/canary", open_path("chain/canary", 0, 0, &fd));
  expect_escape("create out_rel/new", open_path("out_rel/new", 0, O_CREAT, &fd));
  expect_escape("mkdir out_rel/newdir", raw_path_create_directory(sandbox, P("out_rel/newdir")));
  expect_escape("unlink out_abs/canary", raw_path_unlink_file(sandbox, P("out_abs/canary")));
  expect_escape("stat out_abs (follow)", stat_path("out_abs", LOOKUP_FOLLOW, st));
  expect_escape("stat out_rel/ (slash follows)", stat_path("out_rel/", 0, st));
  expect_escape("set_times out_rel (follow)",
                raw_path_filestat_set_times(sandbox, LOOKUP_FOLLOW, P("out_rel"), 0, 0, 0xa));
  expect_escape("link out_rel/canary -> hard",
                raw_path_link(sandbox, LOOKUP_FOLLOW, P("out_rel/canary"), sandbox, P("hard")));
  expect_escape("rename out_rel/canary -> here",
                raw_path_rename(sandbox, P("out_rel/canary"), sandbox, P("here")));
  /* A dangling relative link made by the guest: fine to make, never to follow out. */
  expect("symlink dangle -> ../outside/new",
         raw_path_symlink(P("../outside/new"), sandbox, P("dangle")), E_SUCCESS, E_SUCCESS);
  expect_escape("create through dangle", open_path("dangle", LOOKUP_FOLLOW, O_CREAT, &fd));
  /* Without following, the links themselves are fine to look at. */
  expect("stat out_abs (nofollow)", stat_path("out_abs", 0, st), E_SUCCESS, E_SUCCESS);
  expect("out_abs is a symlink", st[16], FILETYPE_SYMLINK, FILETYPE_SYMLINK);
  expect("open out_rel (nofollow) is ELOOP", open_path("out_rel", 0, 0, &fd), E_LOOP, E_LOOP);
  /* Links that stay inside work. */
  expect("open in_link/file", open_path("in_link/file", 0, 0, &fd), E_SUCCESS, E_SUCCESS);
  expect("open in_dotdot (follow)", open_path("in_dotdot", LOOKUP_FOLLOW, 0, &fd), E_SUCCESS,
         E_SUCCESS);
  char data[16] = {0};
  i32 iov[2] = {addr(data), sizeof data - 1}, n = 0;
  expect("read through in_dotdot", raw_fd_read(fd, addr(iov), 1, addr(&n)), E_SUCCESS, 0);
  expect("it is sub/file's content", strcmp(data, "inside\n"), 0, 0);
  /* Removing the escaping link itself is allowed: it is inside. */
  expect("unlink out_rel (the link)", raw_path_unlink_file(sandbox, P("out_rel")), E_SUCCESS, 0);
}

static void scenario_loops(void) {
  i32 fd;
  uint8_t st[64];
  expect("symlink a -> b", raw_path_symlink(P("b"), sandbox, P("a")), E_SUCCESS, 0);
  expect("symlink b -> a", raw_path_symlink(P("a"), sandbox, P("b")), E_SUCCESS, 0);
  expect("symlink self -> self", raw_path_symlink(P("self"), sandbox, P("self")), E_SUCCESS, 0);
  expect("open a (follow)", open_path("a", LOOKUP_FOLLOW, 0, &fd), E_LOOP, E_LOOP);
  expect("open a/x", open_path("a/x", 0, 0, &fd), E_LOOP, E_LOOP);
  expect("create a/x", open_path("a/x", 0, O_CREAT, &fd), E_LOOP, E_LOOP);
  expect("open self (follow)", open_path("self", LOOKUP_FOLLOW, 0, &fd), E_LOOP, E_LOOP);
  expect("stat self (follow)", stat_path("self", LOOKUP_FOLLOW, st), E_LOOP, E_LOOP);
  expect("stat self/ ", stat_path("self/", 0, st), E_LOOP, E_LOOP);
  expect("mkdir a/d", raw_path_create_directory(sandbox, P("a/d")), E_LOOP, E_LOOP);
  expect("stat self (nofollow) works", stat_path("self", 0, st), E_SUCCESS, 0);
  /* One long self-referencing link, "long -> long/long/.../long" (4,000 bytes): each hop adds
   * a whole target to what is left to resolve; the kernel and the walk both stop at 40 links. */
  static char long_target[4001];
  for (int i = 0; i < 800; i++)
    memcpy(long_target + 5 * i, "long/", 5);
  long_target[3999] = 0;
  expect("symlink long -> long/long/...",
         raw_path_symlink(addr(long_target), (i32)strlen(long_target), sandbox, P("long")),
         E_SUCCESS, 0);
  expect("open long (follow)", open_path("long", LOOKUP_FOLLOW, 0, &fd), E_LOOP, E_LOOP);
  expect("open long/x", open_path("long/x", 0, 0, &fd), E_LOOP, E_LOOP);
  expect("create long/x", open_path("long/x", 0, O_CREAT, &fd), E_LOOP, E_LOOP);
  expect("stat long (follow)", stat_path("long", LOOKUP_FOLLOW, st), E_LOOP, E_LOOP);
  expect("stat long/", stat_path("long/", 0, st), E_LOOP, E_LOOP);
  expect("mkdir long/d", raw_path_create_directory(sandbox, P("long/d")), E_LOOP, E_LOOP);
  expect("unlink long/x", raw_path_unlink_file(sandbox, P("long/x")), E_LOOP, E_LOOP);
  /* A chain of 30 links resolves; 45 is past Linux's limit of 40. */
  char name[16], target[16];
  for (int i = 1; i <= 45; i++) {
    snprintf(name, sizeof name, "l%d", i);
    snprintf(target, sizeof target, i == 1 ? "sub" : "l%d", i - 1);
    raw_path_symlink(P(target), sandbox, P(name));
  }
  expect("open l30/file (30 links)", open_path("l30/file", 0, 0, &fd), E_SUCCESS, 0);
  expect("open l45/file (45 links)", open_path("l45/file", 0, 0, &fd), E_LOOP, E_LOOP);
  expect("stat l45 (follow)", stat_path("l45", LOOKUP_FOLLOW, st), E_LOOP, E_LOOP);
}

/* Pointers and lengths that leave guest memory: EFAULT, never a crash, nothing written. */
static void scenario_memory(void) {
  i32 end = memory_end(), n = 0;
  static char msg[] = "must not appear\n";
  i32 iov[2] = {addr(msg), sizeof msg - 1};
  i32 bad_buf[2] = {end - 4, 16};
  i32 huge_len[2] = {addr(msg), -1};
  i32 wrap[2] = {-16, 64};
  expect("fd_write iovs past the end", raw_fd_write(1, end - 4, 1, addr(&n)), E_FAULT, 0);
  expect("fd_write iovs_len huge", raw_fd_write(1, addr(iov), 0x7fffffff, addr(&n)), E_FAULT, 0);
  expect("fd_write iovs_len 2^32-1", raw_fd_write(1, addr(iov), -1, addr(&n)), E_FAULT, 0);
  expect("fd_write buffer straddles the end", raw_fd_write(1, addr(bad_buf), 1, addr(&n)), E_FAULT,
         0);
  expect("fd_write buffer length 2^32-1", raw_fd_write(1, addr(huge_len), 1, addr(&n)), E_FAULT, 0);
  expect("fd_write buffer wraps around", raw_fd_write(1, addr(wrap), 1, addr(&n)), E_FAULT, 0);
  expect("fd_write nwritten past the end", raw_fd_write(1, addr(iov), 1, end - 2), E_FAULT, 0);
  expect("fd_read buffer past the end", raw_fd_read(0, addr(bad_buf), 1, addr(&n)), E_FAULT, 0);
  expect("path past the end", raw_path_create_directory(sandbox, end - 3, 8), E_FAULT, 0);
  expect("path length 2^32-1", raw_path_create_directory(sandbox, addr(msg), -1), E_FAULT, 0);
  expect("path with a NUL", raw_path_create_directory(sandbox, addr("ab\0cd"), 5), E_ILSEQ,
         E_INVAL);
  i32 fd;
  expect("path_open fd_out past the end",
         raw_path_open(sandbox, 0, P("sub/file"), 0, RIGHTS_ALL, RIGHTS_ALL, 0, end), E_FAULT, 0);
  expect("no fd leaked by that", raw_fd_close(4), E_BADF, E_BADF);
  expect("path_open still works", open_path("sub/file", 0, 0, &fd), E_SUCCESS, 0);
  expect("stat out past the end", raw_path_filestat_get(sandbox, 0, P("sub"), end - 10), E_FAULT,
         0);
  expect("fd_filestat_get out past the end", raw_fd_filestat_get(sandbox, end - 63), E_FAULT, 0);
  expect("readdir buffer past the end", raw_fd_readdir(sandbox, end - 8, 64, 0, addr(&n)), E_FAULT,
         0);
  expect("readdir length 2^32-1", raw_fd_readdir(sandbox, addr(msg), -1, 0, addr(&n)), E_FAULT, 0);
  expect("readlink buffer past the end",
         raw_path_readlink(sandbox, P("in_link"), end - 1, 100, addr(&n)), E_FAULT, 0);
  expect("prestat_dir_name past the end", raw_fd_prestat_dir_name(sandbox, end - 2, 64), E_FAULT,
         0);
  expect("prestat_get past the end", raw_fd_prestat_get(sandbox, end - 4), E_FAULT, 0);
  expect("args_get past the end", raw_args_get(end - 2, end - 2), E_FAULT, 0);
  expect("random_get length 2^32-1", raw_random_get(addr(msg), -1), E_FAULT, 0);
  expect("clock_time_get out past the end", raw_clock_time_get(0, 0, end - 7), E_FAULT, 0);
  expect("clock_time_get out at -8", raw_clock_time_get(0, 0, -8), E_FAULT, 0);
}

/* Descriptors run out with EMFILE (ours or the host's), and come back once closed. */
static void scenario_emfile(void) {
  i32 fd = 0, first = -1, last = -1, err = E_SUCCESS;
  for (int i = 0; i < 100000; i++) {
    err = open_path(".", 0, O_DIRECTORY, &fd);
    if (err)
      break;
    if (first < 0)
      first = fd;
    last = fd;
  }
  expect("opening without end stops with EMFILE", err, E_MFILE, E_NFILE);
  for (i32 i = first; i <= last; i++)
    raw_fd_close(i);
  expect("after closing, opening works again", open_path(".", 0, O_DIRECTORY, &fd), E_SUCCESS, 0);
  expect("the lowest number is reused", fd, first, first);
}

static void scenario_preopens(void) {
  uint8_t prestat[8];
  char name[32];
  i32 fd;
  expect("fd 3 is a preopen", raw_fd_prestat_get(sandbox, addr(prestat)), E_SUCCESS, 0);
  expect("prestat_dir_name too short", raw_fd_prestat_dir_name(sandbox, addr(name), 1),
         E_NAMETOOLONG, E_INVAL);
  expect("fd 0 is not a preopen", raw_fd_prestat_get(0, addr(prestat)), E_BADF, E_BADF);
  expect("fd 99 is not open", raw_fd_prestat_get(99, addr(prestat)), E_BADF, E_BADF);
  expect("fd 2^32-1 is not open", raw_fd_prestat_get(-1, addr(prestat)), E_BADF, E_BADF);
  expect("close the preopen", raw_fd_close(sandbox), E_SUCCESS, 0);
  expect("close it again", raw_fd_close(sandbox), E_BADF, E_BADF);
  expect("prestat of the closed preopen", raw_fd_prestat_get(sandbox, addr(prestat)), E_BADF,
         E_BADF);
  expect("path_open on the closed preopen",
         raw_path_open(sandbox, 0, P("sub/file"), 0, 0, 0, 0, addr(&fd)), E_BADF, E_BADF);
  /* fd 3 is free again; a new descriptor may take it, but it is no preopen. */
  expect("path_open on fd 0 (not a dir)", raw_path_open(0, 0, P("sub/file"), 0, 0, 0, 0, addr(&fd)),
         E_NOTDIR, E_NOTDIR);
}

static void scenario_renumber(void) {
  i32 fd, fd2;
  uint8_t prestat[8];
  expect("open sub/file", open_path("sub/file", 0, 0, &fd), E_SUCCESS, 0);
  expect("open sub", open_path("sub", 0, O_DIRECTORY, &fd2), E_SUCCESS, 0);
  expect("renumber onto itself", raw_fd_renumber(fd, fd), E_SUCCESS, 0);
  uint8_t st[64];
  expect("still open after that", raw_fd_filestat_get(fd, addr(st)), E_SUCCESS, 0);
  expect("renumber from a closed fd", raw_fd_renumber(77, fd), E_BADF, E_BADF);
  expect("renumber to a closed fd", raw_fd_renumber(fd, 77), E_BADF, E_BADF);
  expect("renumber to 2^32-1", raw_fd_renumber(fd, -1), E_BADF, E_BADF);
  expect("renumber from 2^32-1", raw_fd_renumber(-1, fd), E_BADF, E_BADF);
  /* Moving stdout: writes follow the number. Results are kept until stdout is back at 1. */
  static char msg[] = "via renumbered stdout\n";
  i32 iov[2] = {addr(msg), sizeof msg - 1}, n, h = -1, f = -1;
  open_path("sub/file", 0, 0, &f);
  fflush(stdout);
  i32 moved = raw_fd_renumber(1, f);
  i32 wrote = raw_fd_write(f, addr(iov), 1, addr(&n));
  i32 old_closed = raw_fd_write(1, addr(iov), 1, addr(&n));
  i32 reopened = open_path("sub/file", 0, 0, &h); /* takes the free number 1 */
  i32 back = raw_fd_renumber(f, h);
  expect("renumber stdout onto a file fd", moved, E_SUCCESS, 0);
  expect("write to the new number", wrote, E_SUCCESS, 0);
  expect("old stdout number is closed", old_closed, E_BADF, E_BADF);
  expect("a new open takes number 1", reopened == E_SUCCESS && h == 1, 1, 1);
  expect("stdout renumbered back to 1", back, E_SUCCESS, 0);
  /* The preopen moves onto fd2's number: fd2 becomes the preopen, 3 is gone. */
  expect("renumber the preopen onto a dir fd", raw_fd_renumber(sandbox, fd2), E_SUCCESS, 0);
  expect("the new number is the preopen", raw_fd_prestat_get(fd2, addr(prestat)), E_SUCCESS, 0);
  expect("the old number is closed", raw_fd_prestat_get(sandbox, addr(prestat)), E_BADF, E_BADF);
  expect("paths resolve under the moved preopen",
         raw_path_open(fd2, 0, P("sub/file"), 0, 0, 0, 0, addr(&f)), E_SUCCESS, 0);
  expect("renumber a file onto the preopen", raw_fd_renumber(fd, fd2), E_SUCCESS, 0);
  expect("the preopen is gone", raw_fd_prestat_get(fd2, addr(prestat)), E_BADF, E_BADF);
  expect("and its paths too", raw_path_open(fd2, 0, P("sub"), 0, 0, 0, 0, addr(&f)), E_NOTDIR,
         E_NOTDIR);
}

static uint64_t load_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* The host's stdio (test_sandbox.c: stdin an empty pipe it keeps open, stdout a `>>` log file,
 * stderr a pipe) is a stream the guest can read and write, nothing more. The flags the guest
 * sets stay its own; it leaves NONBLOCK set on all three for the host to check after exit. */
static void scenario_stdio(void) {
  char label[96];
  static char data[] = "pwrite must not land\n";
  i32 iov[2] = {addr(data), sizeof data - 1}, n = 0;
  for (i32 fd = 0; fd < 3; fd++) {
    uint8_t fdstat[24];
    uint64_t off = 0;
#define CHECK(what, got, want)                                                                     \
  do {                                                                                             \
    snprintf(label, sizeof label, "fd %d: %s", fd, what);                                          \
    expect(label, got, want, want);                                                                \
  } while (0)
    CHECK("fdstat_get", raw_fd_fdstat_get(fd, addr(fdstat)), E_SUCCESS);
    /* What the host's descriptor is (a pipe, a log file) and its append mode are the host's:
     * type UNKNOWN (no terminal here) and no flags, as wasmtime answers. */
    CHECK("type is unknown", fdstat[0], 0);
    CHECK("fdflags start clear", fdstat[2], 0);
    /* The host's stdio (here a pipe, a log file and a pipe) is not the guest's to stat: zeros,
     * type unknown, as wasmtime answers; never the log's inode, size or times. */
    uint8_t filestat[64];
    memset(filestat, 0xAA, sizeof filestat);
    CHECK("filestat_get", raw_fd_filestat_get(fd, addr(filestat)), E_SUCCESS);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof filestat; i++)
      nonzero += filestat[i] != 0;
    CHECK("filestat is all zeros", nonzero, 0);
    CHECK("has no file rights", (load_u64(fdstat + 8) & FILE_ONLY_RIGHTS) != 0, 0);
    CHECK("has stream rights", (load_u64(fdstat + 8) & STREAM_RIGHTS) == STREAM_RIGHTS, 1);
    CHECK("seek is ESPIPE", raw_fd_seek(fd, 0, 0, addr(&off)), E_SPIPE);
    CHECK("seek to end is ESPIPE", raw_fd_seek(fd, 0, 2, addr(&off)), E_SPIPE);
    CHECK("tell is ESPIPE", raw_fd_tell(fd, addr(&off)), E_SPIPE);
    CHECK("pwrite is ESPIPE", raw_fd_pwrite(fd, addr(iov), 1, 0, addr(&n)), E_SPIPE);
    CHECK("pread is ESPIPE", raw_fd_pread(fd, addr(iov), 1, 0, addr(&n)), E_SPIPE);
    CHECK("truncate", raw_fd_filestat_set_size(fd, 0), E_NOTCAPABLE);
    CHECK("set_times", raw_fd_filestat_set_times(fd, 0, 0, 0x5), E_NOTCAPABLE);
    CHECK("allocate", raw_fd_allocate(fd, 0, 1 << 20), E_NOTCAPABLE);
    CHECK("advise", raw_fd_advise(fd, 0, 0, 4), E_NOTCAPABLE);
    CHECK("sync", raw_fd_sync(fd), E_NOTCAPABLE);
    CHECK("datasync", raw_fd_datasync(fd), E_NOTCAPABLE);
    CHECK("clear APPEND", raw_fd_fdstat_set_flags(fd, 0), E_SUCCESS);
    raw_fd_fdstat_get(fd, addr(fdstat));
    CHECK("fdstat says no APPEND", fdstat[2] & FDFLAG_APPEND, 0);
    CHECK("set NONBLOCK", raw_fd_fdstat_set_flags(fd, FDFLAG_NONBLOCK), E_SUCCESS);
    raw_fd_fdstat_get(fd, addr(fdstat));
    CHECK("fdstat says NONBLOCK", fdstat[2], FDFLAG_NONBLOCK);
#undef CHECK
  }
  char buf[8];
  i32 rd[2] = {addr(buf), sizeof buf};
  expect("non-blocking read of an empty stdin is EAGAIN", raw_fd_read(0, addr(rd), 1, addr(&n)),
         E_AGAIN, E_AGAIN);
  static char line[] = "stdout still appends\n";
  i32 wr[2] = {addr(line), sizeof line - 1};
  fflush(stdout);
  expect("non-blocking write to the log", raw_fd_write(1, addr(wr), 1, addr(&n)), E_SUCCESS, 0);
}

/* An invalid pointer among a call's outputs is EFAULT with no guest memory written: each call
 * gets one good output (filled with 0xAA) and one that leaves memory, or one that straddles its
 * end, whose part inside (the last TAIL bytes, also 0xAA) must stay as it was. */
enum { TAIL = 64 };
static uint8_t good[256];
static void fill(void) {
  memset(good, 0xAA, sizeof good);
  memset((uint8_t *)(uintptr_t)(memory_end() - TAIL), 0xAA, TAIL);
}
static int untouched(void) {
  const uint8_t *tail = (const uint8_t *)(uintptr_t)(memory_end() - TAIL);
  for (size_t i = 0; i < sizeof good; i++)
    if (good[i] != 0xAA)
      return 0;
  for (int i = 0; i < TAIL; i++)
    if (tail[i] != 0xAA)
      return 0;
  return 1;
}
#define NOTHING_WRITTEN(label, call)                                                               \
  do {                                                                                             \
    fill();                                                                                        \
    i32 got_ = (call);                                                                             \
    expect(label, got_, E_FAULT, E_FAULT);                                                         \
    expect(label " (nothing written)", untouched(), 1, 1);                                         \
  } while (0)

static void scenario_outputs(void) {
  /* A page of our own at the end, so the canary bytes there are no allocator's. */
  __builtin_wasm_memory_grow(0, 1);
  i32 end = memory_end(), g = addr(good), fd = -1, n;
  NOTHING_WRITTEN("args_sizes_get size out", raw_args_sizes_get(g, end - 2));
  NOTHING_WRITTEN("args_sizes_get count out", raw_args_sizes_get(end - 2, g));
  NOTHING_WRITTEN("args_get buffer straddles", raw_args_get(g, end - 4));
  NOTHING_WRITTEN("args_get pointers straddle", raw_args_get(end - 4, g));
  NOTHING_WRITTEN("environ_sizes_get size out", raw_environ_sizes_get(g, end - 2));
  NOTHING_WRITTEN("environ_sizes_get count out", raw_environ_sizes_get(end - 2, g));
  NOTHING_WRITTEN("environ_get buffer straddles", raw_environ_get(g, end - 4));
  NOTHING_WRITTEN("environ_get pointers straddle", raw_environ_get(end - 2, g));
  expect("open sub/file", open_path("sub/file", 0, 0, &fd), E_SUCCESS, 0);
  /* 1,100 iovecs of one byte each into `good`, the last one outside memory. */
  static i32 iovs[1100][2];
  for (int i = 0; i < 1100; i++) {
    iovs[i][0] = g + i % 200;
    iovs[i][1] = 1;
  }
  iovs[1099][0] = end;
  NOTHING_WRITTEN("fd_read, the 1,100th iovec bad", raw_fd_read(fd, addr(iovs), 1100, addr(&n)));
  NOTHING_WRITTEN("fd_pread, the 1,100th iovec bad",
                  raw_fd_pread(fd, addr(iovs), 1100, 0, addr(&n)));
  uint64_t pos = 1;
  expect("nothing was read", raw_fd_tell(fd, addr(&pos)) == E_SUCCESS && pos == 0, 1, 1);
  NOTHING_WRITTEN("fd_read nread out", raw_fd_read(fd, addr(iovs), 1, end - 2));
  NOTHING_WRITTEN("fd_seek offset out", raw_fd_seek(fd, 3, 0, end - 4));
  expect("the offset did not move", raw_fd_tell(fd, addr(&pos)) == E_SUCCESS && pos == 0, 1, 1);
  NOTHING_WRITTEN("fd_tell out", raw_fd_tell(fd, end - 4));
  NOTHING_WRITTEN("fd_filestat_get out", raw_fd_filestat_get(fd, end - 32));
  NOTHING_WRITTEN("fd_fdstat_get out", raw_fd_fdstat_get(fd, end - 8));
  NOTHING_WRITTEN("path_filestat_get out", raw_path_filestat_get(sandbox, 0, P("sub"), end - 32));
  NOTHING_WRITTEN("fd_prestat_get out", raw_fd_prestat_get(sandbox, end - 4));
  NOTHING_WRITTEN("fd_prestat_dir_name out", raw_fd_prestat_dir_name(sandbox, end - 4, 64));
  NOTHING_WRITTEN("fd_readdir bufused out", raw_fd_readdir(sandbox, g, 128, 0, end - 2));
  NOTHING_WRITTEN("fd_readdir buffer straddles", raw_fd_readdir(sandbox, end - 32, 128, 0, g));
  NOTHING_WRITTEN("path_readlink bufused out",
                  raw_path_readlink(sandbox, P("in_link"), g, 64, end - 2));
  NOTHING_WRITTEN("path_readlink buffer straddles",
                  raw_path_readlink(sandbox, P("in_link"), end - 2, 64, g));
  NOTHING_WRITTEN("clock_time_get out", raw_clock_time_get(0, 0, end - 4));
  NOTHING_WRITTEN("random_get straddles", raw_random_get(end - 32, 64));
  /* One clock subscription that is due at once. */
  static uint8_t sub[48];
  memset(sub, 0, sizeof sub);
  sub[0] = 7; /* userdata */
  NOTHING_WRITTEN("poll_oneoff nevents out", raw_poll_oneoff(addr(sub), g, 1, end - 2));
  NOTHING_WRITTEN("poll_oneoff events straddle", raw_poll_oneoff(addr(sub), end - 16, 1, g));
}

int main(int argc, char **argv) {
  const char *s = argc > 1 ? argv[1] : "";
  struct {
    const char *name;
    void (*run)(void);
  } scenarios[] = {{"dotdot", scenario_dotdot},     {"absolute", scenario_absolute},
                   {"symlinks", scenario_symlinks}, {"loops", scenario_loops},
                   {"memory", scenario_memory},     {"emfile", scenario_emfile},
                   {"preopens", scenario_preopens}, {"renumber", scenario_renumber},
                   {"stdio", scenario_stdio},       {"outputs", scenario_outputs}};
  for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
    if (strcmp(s, scenarios[i].name) == 0) {
      scenarios[i].run();
      printf("%d failures\n", failures);
      return failures;
    }
  }
  fprintf(stderr, "usage: sandbox_guest dotdot|absolute|symlinks|loops|memory|emfile|"
                  "preopens|renumber|stdio|outputs\n");
  return 100;
}
