/* wasi_probe: poll_oneoff and the sock_* calls, called directly (wasi/api.h), as the HTTP
 * server's runtime path uses them. Run by wasi_probe.py, which starts it as
 *   wasi_probe.aot --dir SCRATCH::/scratch --listen 127.0.0.1:0
 * so fd 3 is the preopen and fd 4 the listener, feeds stdin through a pipe, and plays the
 * network peer whenever this program prints a "need:..." line. Prints "ok NAME" or
 * "FAIL NAME: ..." per check and "probe: N passed, M failed"; exits 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

enum { PREOPEN_FD = 3, LISTEN_FD = 4, NO_SUCH_FD = 999 };
static const __wasi_timestamp_t MS = 1000000, WAIT_LIMIT = 20000 * 1000000ull;

static int passed, failed;

static void check(int ok, const char *name, const char *detail, long a, long b) {
  if (ok) {
    passed++;
    printf("ok %s\n", name);
  } else {
    failed++;
    printf("FAIL %s: %s (got %ld, want %ld)\n", name, detail, a, b);
  }
  fflush(stdout);
}
#define CHECK_EQ(name, got, want)                                                                  \
  check((long)(got) == (long)(want), name, #got, (long)(got), (long)(want))

/* Tells the driver what to do next; the checks that follow wait (boundedly) for its effect. */
static void need(const char *what) {
  printf("need:%s\n", what);
  fflush(stdout);
}

static __wasi_timestamp_t now(__wasi_clockid_t id) {
  __wasi_timestamp_t t = 0;
  (void)__wasi_clock_time_get(id, 1, &t);
  return t;
}

static __wasi_subscription_t clock_sub(__wasi_userdata_t ud, __wasi_clockid_t id,
                                       __wasi_timestamp_t timeout, int absolute) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.flags = absolute ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
  return s;
}

static __wasi_subscription_t fd_sub(__wasi_userdata_t ud, __wasi_eventtype_t type, __wasi_fd_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = type;
  s.u.u.fd_read.file_descriptor = fd; /* fd_read and fd_write share the layout */
  return s;
}

/* Waits for one fd event (with a generous clock as a safety net); returns the event count. */
static __wasi_size_t wait_fd(__wasi_eventtype_t type, __wasi_fd_t fd, __wasi_event_t *ev) {
  __wasi_subscription_t subs[2] = {fd_sub(1, type, fd),
                                   clock_sub(2, __WASI_CLOCKID_MONOTONIC, WAIT_LIMIT, 0)};
  __wasi_event_t events[2];
  __wasi_size_t n = 0;
  if (__wasi_poll_oneoff(subs, events, 2, &n) != 0 || n == 0)
    return 0;
  *ev = events[0];
  return n;
}

static void clocks(void) {
  __wasi_subscription_t subs[2];
  __wasi_event_t ev[2];
  __wasi_size_t n = 99;
  CHECK_EQ("no subscriptions is EINVAL", __wasi_poll_oneoff(subs, ev, 0, &n), __WASI_ERRNO_INVAL);

  const struct {
    const char *name;
    __wasi_clockid_t id;
    int absolute;
  } kinds[] = {
      {"relative monotonic sleep", __WASI_CLOCKID_MONOTONIC, 0},
      {"relative realtime sleep", __WASI_CLOCKID_REALTIME, 0},
      {"absolute monotonic deadline", __WASI_CLOCKID_MONOTONIC, 1},
      {"absolute realtime deadline", __WASI_CLOCKID_REALTIME, 1},
  };
  for (int k = 0; k < 4; k++) {
    __wasi_timestamp_t start = now(kinds[k].id), timeout = 5 * MS;
    subs[0] = clock_sub(0x1234, kinds[k].id, kinds[k].absolute ? start + timeout : timeout,
                        kinds[k].absolute);
    __wasi_errno_t err = __wasi_poll_oneoff(subs, ev, 1, &n);
    __wasi_timestamp_t end = now(kinds[k].id);
    int ok = err == 0 && n == 1 && ev[0].userdata == 0x1234 && ev[0].error == 0 &&
             ev[0].type == __WASI_EVENTTYPE_CLOCK && end - start >= timeout;
    check(ok, kinds[k].name, "error, event or too short a wait", (long)err, 0);
  }
  subs[0] = clock_sub(7, __WASI_CLOCKID_MONOTONIC, 1, 1); /* a deadline long past */
  CHECK_EQ("past deadline fires", __wasi_poll_oneoff(subs, ev, 1, &n) == 0 && n == 1, 1);

  subs[0] = clock_sub(50, __WASI_CLOCKID_MONOTONIC, 10000 * MS, 0);
  subs[1] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 1 * MS, 0);
  __wasi_errno_t err = __wasi_poll_oneoff(subs, ev, 2, &n);
  CHECK_EQ("nearest of two clocks, alone", err == 0 && n == 1 && ev[0].userdata == 1, 1);

  subs[0] = clock_sub(1, __WASI_CLOCKID_PROCESS_CPUTIME_ID, 1 * MS, 0);
  CHECK_EQ("cpu-time clock is EINVAL", __wasi_poll_oneoff(subs, ev, 1, &n), __WASI_ERRNO_INVAL);
  subs[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 1 * MS, 0);
  subs[0].u.tag = 9;
  CHECK_EQ("unknown event type is EINVAL", __wasi_poll_oneoff(subs, ev, 1, &n), __WASI_ERRNO_INVAL);
  subs[0] = fd_sub(1, __WASI_EVENTTYPE_FD_READ, NO_SUCH_FD);
  CHECK_EQ("bad fd is EBADF", __wasi_poll_oneoff(subs, ev, 1, &n), __WASI_ERRNO_BADF);
  subs[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 1, 0);
  CHECK_EQ("subscriptions outside memory: EFAULT",
           __wasi_poll_oneoff((const __wasi_subscription_t *)0xFFFFFFC0u, ev, 1, &n),
           __WASI_ERRNO_FAULT);
  CHECK_EQ("events outside memory: EFAULT",
           __wasi_poll_oneoff(subs, (__wasi_event_t *)0xFFFFFFF0u, 1, &n), __WASI_ERRNO_FAULT);
}

static void files_and_stdio(void) {
  __wasi_event_t ev;
  CHECK_EQ("stdout is writable",
           wait_fd(__WASI_EVENTTYPE_FD_WRITE, 1, &ev) >= 1 &&
               ev.type == __WASI_EVENTTYPE_FD_WRITE && ev.error == 0,
           1);

  __wasi_fd_t file;
  __wasi_errno_t err = __wasi_path_open(
      PREOPEN_FD, 0, "poll-file", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC,
      __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK, 0, 0, &file);
  CHECK_EQ("open a file in the preopen", err, 0);
  if (err == 0) {
    __wasi_ciovec_t iov = {(const uint8_t *)"abc", 3};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    (void)__wasi_fd_write(file, &iov, 1, &n);
    (void)__wasi_fd_seek(file, 0, __WASI_WHENCE_SET, &pos);
    CHECK_EQ("file readable, nbytes = bytes left",
             wait_fd(__WASI_EVENTTYPE_FD_READ, file, &ev) >= 1 && ev.userdata == 1 &&
                 ev.fd_readwrite.nbytes == 3,
             1);
    CHECK_EQ("file writable",
             wait_fd(__WASI_EVENTTYPE_FD_WRITE, file, &ev) >= 1 && ev.userdata == 1, 1);
    (void)__wasi_fd_close(file);
  }

  /* stdin is a pipe holding "abc": readable, nbytes 1 ("at least one", as for every stream,
   * as wasmtime reports it); then the driver closes it. */
  CHECK_EQ("pipe readable, nbytes 1",
           wait_fd(__WASI_EVENTTYPE_FD_READ, 0, &ev) >= 1 && ev.userdata == 1 &&
               ev.fd_readwrite.nbytes == 1 && !(ev.fd_readwrite.flags & 1),
           1);
  char buf[8];
  __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
  __wasi_size_t got = 0;
  (void)__wasi_fd_read(0, &iov, 1, &got);
  need("close-stdin");
  CHECK_EQ("closed pipe reports hangup",
           wait_fd(__WASI_EVENTTYPE_FD_READ, 0, &ev) >= 1 && ev.userdata == 1 &&
               (ev.fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP),
           1);
}

static void socket_errors(void) {
  __wasi_fd_t fd;
  char buf[4];
  __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
  __wasi_ciovec_t ciov = {(const uint8_t *)buf, sizeof buf};
  __wasi_size_t n;
  __wasi_roflags_t ro;
  CHECK_EQ("accept on stdout: ENOTSOCK", __wasi_sock_accept(1, 0, &fd), __WASI_ERRNO_NOTSOCK);
  CHECK_EQ("recv on stdout: ENOTSOCK", __wasi_sock_recv(1, &iov, 1, 0, &n, &ro),
           __WASI_ERRNO_NOTSOCK);
  CHECK_EQ("send on stdout: ENOTSOCK", __wasi_sock_send(1, &ciov, 1, 0, &n), __WASI_ERRNO_NOTSOCK);
  CHECK_EQ("shutdown of a directory: ENOTSOCK", __wasi_sock_shutdown(PREOPEN_FD, __WASI_SDFLAGS_WR),
           __WASI_ERRNO_NOTSOCK);
  CHECK_EQ("accept on a bad fd: EBADF", __wasi_sock_accept(NO_SUCH_FD, 0, &fd), __WASI_ERRNO_BADF);
  CHECK_EQ("recv on a bad fd: EBADF", __wasi_sock_recv(NO_SUCH_FD, &iov, 1, 0, &n, &ro),
           __WASI_ERRNO_BADF);
  CHECK_EQ("send on a bad fd: EBADF", __wasi_sock_send(NO_SUCH_FD, &ciov, 1, 0, &n),
           __WASI_ERRNO_BADF);
  CHECK_EQ("shutdown of a bad fd: EBADF", __wasi_sock_shutdown(NO_SUCH_FD, __WASI_SDFLAGS_RD),
           __WASI_ERRNO_BADF);
  CHECK_EQ("accept with unknown flags: EINVAL", __wasi_sock_accept(LISTEN_FD, 0x2, &fd),
           __WASI_ERRNO_INVAL);
}

static void listener(void) {
  __wasi_fdstat_t st;
  __wasi_prestat_t pre;
  CHECK_EQ("listener is the fd after the preopen",
           __wasi_fd_fdstat_get(LISTEN_FD, &st) == 0 &&
               st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM,
           1);
  CHECK_EQ("listener may accept", (st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT) != 0, 1);
  CHECK_EQ("listener is no preopen", __wasi_fd_prestat_get(LISTEN_FD, &pre), __WASI_ERRNO_BADF);
  __wasi_fd_t conn;
  CHECK_EQ("non-blocking listener", __wasi_fd_fdstat_set_flags(LISTEN_FD, __WASI_FDFLAGS_NONBLOCK),
           0);
  CHECK_EQ("accept with none pending: EAGAIN", __wasi_sock_accept(LISTEN_FD, 0, &conn),
           __WASI_ERRNO_AGAIN);
}

static void one_connection(void) {
  __wasi_event_t ev;
  __wasi_fd_t conn = 0;
  need("connect-send-ping");
  CHECK_EQ("listener readable on connect",
           wait_fd(__WASI_EVENTTYPE_FD_READ, LISTEN_FD, &ev) >= 1 && ev.userdata == 1, 1);
  CHECK_EQ("accept (non-blocking)", __wasi_sock_accept(LISTEN_FD, __WASI_FDFLAGS_NONBLOCK, &conn),
           0);
  __wasi_fdstat_t st;
  (void)__wasi_fd_fdstat_get(conn, &st);
  CHECK_EQ("accepted socket is a non-blocking stream",
           st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM &&
               (st.fs_flags & __WASI_FDFLAGS_NONBLOCK),
           1);
  CHECK_EQ("connection readable, nbytes 1",
           wait_fd(__WASI_EVENTTYPE_FD_READ, conn, &ev) >= 1 && ev.userdata == 1 &&
               ev.fd_readwrite.nbytes == 1,
           1);
  char buf[16] = {0};
  __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
  __wasi_size_t n = 0;
  __wasi_roflags_t ro = 9;
  __wasi_errno_t err = __wasi_sock_recv(conn, &iov, 1, __WASI_RIFLAGS_RECV_PEEK, &n, &ro);
  CHECK_EQ("recv with PEEK", err == 0 && n == 4 && ro == 0 && memcmp(buf, "ping", 4) == 0, 1);
  memset(buf, 0, sizeof buf);
  err = __wasi_sock_recv(conn, &iov, 1, 0, &n, &ro);
  CHECK_EQ("recv after peek sees the same bytes", err == 0 && n == 4 && !memcmp(buf, "ping", 4), 1);
  CHECK_EQ("recv with nothing queued: EAGAIN", __wasi_sock_recv(conn, &iov, 1, 0, &n, &ro),
           __WASI_ERRNO_AGAIN);
  CHECK_EQ("recv with unknown flags: EINVAL", __wasi_sock_recv(conn, &iov, 1, 0x100, &n, &ro),
           __WASI_ERRNO_INVAL);
  CHECK_EQ("recv into a length outside memory: EFAULT",
           __wasi_sock_recv(conn, &iov, 1, 0, (__wasi_size_t *)0xFFFFFFFEu, &ro),
           __WASI_ERRNO_FAULT);

  CHECK_EQ("blocking again", __wasi_fd_fdstat_set_flags(conn, 0), 0);
  need("send-split-abcdefgh");
  memset(buf, 0, sizeof buf);
  iov.buf_len = 8;
  err = __wasi_sock_recv(conn, &iov, 1, __WASI_RIFLAGS_RECV_WAITALL, &n, &ro);
  CHECK_EQ("recv WAITALL gets both halves", err == 0 && n == 8 && !memcmp(buf, "abcdefgh", 8), 1);
  CHECK_EQ("shutdown RD", __wasi_sock_shutdown(conn, __WASI_SDFLAGS_RD), 0);

  __wasi_ciovec_t out[2] = {{(const uint8_t *)"po", 2}, {(const uint8_t *)"ng", 2}};
  CHECK_EQ("send with unknown flags: EINVAL", __wasi_sock_send(conn, out, 2, 1, &n),
           __WASI_ERRNO_INVAL);
  err = __wasi_sock_send(conn, out, 2, 0, &n);
  CHECK_EQ("send two iovecs", err == 0 && n == 4, 1);
  CHECK_EQ("shutdown how=0: EINVAL", __wasi_sock_shutdown(conn, 0), __WASI_ERRNO_INVAL);
  CHECK_EQ("shutdown how=4: EINVAL", __wasi_sock_shutdown(conn, 4), __WASI_ERRNO_INVAL);
  CHECK_EQ("shutdown WR", __wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR), 0);
  need("expect-pong-eof-then-close");
  CHECK_EQ("peer closed: readable with hangup, nbytes 0",
           wait_fd(__WASI_EVENTTYPE_FD_READ, conn, &ev) >= 1 && ev.userdata == 1 &&
               (ev.fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP) &&
               ev.fd_readwrite.nbytes == 0,
           1);
  err = __wasi_sock_recv(conn, &iov, 1, 0, &n, &ro);
  CHECK_EQ("recv at end of stream gives 0 bytes", err == 0 && n == 0, 1);
  /* Both directions are closed by now, so Linux may say ENOTCONN; the value must be valid. */
  CHECK_EQ("shutdown RD|WR is a valid how",
           __wasi_sock_shutdown(conn, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR) != __WASI_ERRNO_INVAL,
           1);
  (void)__wasi_fd_close(conn);
}

/* A peer that resets: writing to it with plain fd_write gives an error, not SIGPIPE. */
static void reset_connection(void) {
  __wasi_event_t ev;
  __wasi_fd_t conn = 0;
  need("connect-then-reset");
  (void)wait_fd(__WASI_EVENTTYPE_FD_READ, LISTEN_FD, &ev);
  CHECK_EQ("accept (blocking flags)", __wasi_sock_accept(LISTEN_FD, 0, &conn), 0);
  CHECK_EQ("reset connection polls ready",
           wait_fd(__WASI_EVENTTYPE_FD_READ, conn, &ev) >= 1 && ev.userdata == 1, 1);
  __wasi_ciovec_t iov = {(const uint8_t *)"xxxxxxxx", 8};
  __wasi_errno_t err = 0;
  for (int i = 0; i < 1000 && err == 0; i++) {
    __wasi_size_t n;
    err = __wasi_fd_write(conn, &iov, 1, &n);
  }
  CHECK_EQ("fd_write to a reset peer fails without killing us",
           err == __WASI_ERRNO_PIPE || err == __WASI_ERRNO_CONNRESET, 1);
  (void)__wasi_fd_close(conn);
}

int main(void) {
  clocks();
  files_and_stdio();
  socket_errors();
  listener();
  one_connection();
  reset_connection();
  printf("probe: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
