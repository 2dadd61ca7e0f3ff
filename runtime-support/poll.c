/* poll_oneoff: waiting on clocks and on descriptor readiness with one host ppoll(2).
 *
 * Each fd_read/fd_write subscription becomes interest in one host pollfd (subscriptions on the
 * same guest fd share one, so a guest polling 2,000 sockets for read and write passes 2,000
 * pollfds, within RLIMIT_NOFILE); the nearest clock deadline becomes ppoll's timeout. Regular
 * files and directories need no special case: Linux reports them always ready.
 *
 * Semantics, following wasmtime (its test-programs' poll_oneoff_files and _stdio):
 *  - nsubscriptions == 0 is EINVAL;
 *  - clocks: REALTIME and MONOTONIC, relative or ABSTIME; the CPU-time clocks cannot time a
 *    sleep, so they are EINVAL, as in wasmtime;
 *  - an fd that is not open fails the whole call with EBADF (wasmtime since 2023; wazero
 *    reports it as an event instead); an fd without the right to read/write (or
 *    POLL_FD_READWRITE) fails it with ENOTCAPABLE;
 *  - a read event on a regular file carries nbytes = bytes left to read; on a stream (socket,
 *    pipe, tty) nbytes = 1, "at least one byte", as wasmtime's preview1 reports it: the exact
 *    count would cost an ioctl per ready descriptor, i.e. one more syscall per request of a
 *    server, for a figure libc's poll() throws away. At end of stream it is the exact 0.
 *  - HANGUP when the peer is gone; a host POLLERR becomes an event with error EIO, as in
 *    wasmtime's legacy implementation.
 *
 * The guest's whole subscription and event arrays are range-checked once up front with
 * guest_mem_span, then their fields are decoded explicitly little-endian in place (the loads and
 * stores below, inlined: an event loop passes every descriptor it watches through here on every
 * round). Scratch arrays live across calls, so the steady state allocates nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd_table.h"
#include "guest_mem.h"
#include "wasi_errno.h"
#include "wasi_impl.h"

/* Subscription fields (WASI_SUBSCRIPTION_SIZE bytes each). */
enum {
  SUB_USERDATA = 0,
  SUB_TAG = 8,
  SUB_CLOCK_ID = 16,
  SUB_CLOCK_TIMEOUT = 24,
  SUB_CLOCK_FLAGS = 40,
  SUB_FD = 16,
};
/* Event fields (WASI_EVENT_SIZE bytes each). */
enum { EV_USERDATA = 0, EV_ERROR = 8, EV_TYPE = 10, EV_NBYTES = 16, EV_FLAGS = 24 };

/* One decoded subscription: its clock deadline, or the pollfd it watches. */
struct pending {
  uint64_t userdata;
  uint8_t type;
  bool regular_file;     /* fd subscriptions: nbytes is exact for files only */
  uint32_t pollfd_index; /* fd subscriptions */
  uint64_t deadline_ns;  /* clock subscriptions, on CLOCK_MONOTONIC */
};

/* Reused across calls; grown to the largest nsubscriptions seen. */
static struct {
  struct pending *pending;
  struct pollfd *pollfds;
  uint32_t capacity;
  /* Guest fd -> pollfd index of this call, valid when stamp[fd] == call_stamp. */
  uint32_t stamp[WASMAOT_MAX_FDS];
  uint32_t index_of_fd[WASMAOT_MAX_FDS];
  uint32_t call_stamp;
} scratch;

static wasi_errno_t scratch_reserve(uint32_t n) {
  if (n <= scratch.capacity)
    return WASI_ESUCCESS;
  struct pending *p = realloc(scratch.pending, (size_t)n * sizeof *p);
  if (!p)
    return WASI_ENOMEM;
  scratch.pending = p;
  struct pollfd *f = realloc(scratch.pollfds, (size_t)n * sizeof *f);
  if (!f)
    return WASI_ENOMEM;
  scratch.pollfds = f;
  scratch.capacity = n;
  return WASI_ESUCCESS;
}

/* Little-endian fields inside the range-checked arrays; compilers make these single moves. */
static inline uint64_t load_le(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}
static inline void store_le(uint8_t *p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++, v >>= 8)
    p[i] = (uint8_t)v;
}

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t add_saturating(uint64_t a, uint64_t b) {
  return a + b < a ? UINT64_MAX : a + b;
}

/* The monotonic deadline of a clock subscription. */
static wasi_errno_t clock_deadline(const uint8_t *sub, uint64_t mono_now, uint64_t *deadline) {
  uint32_t id = (uint32_t)load_le(sub + SUB_CLOCK_ID, 4);
  uint64_t timeout = load_le(sub + SUB_CLOCK_TIMEOUT, 8);
  uint16_t flags = (uint16_t)load_le(sub + SUB_CLOCK_FLAGS, 2);
  if (id != WASI_CLOCK_REALTIME && id != WASI_CLOCK_MONOTONIC)
    return WASI_EINVAL;
  uint64_t wait = timeout;
  if (flags & WASI_SUBCLOCKFLAG_ABSTIME) {
    /* An absolute realtime deadline becomes a monotonic one now: a later jump of the wall
     * clock does not move it, a documented approximation every runtime makes. */
    uint64_t now = id == WASI_CLOCK_REALTIME ? now_ns(CLOCK_REALTIME) : mono_now;
    wait = timeout > now ? timeout - now : 0;
  }
  *deadline = add_saturating(mono_now, wait);
  return WASI_ESUCCESS;
}

/* Registers interest in `events` on guest fd `fd`, sharing a pollfd with earlier
 * subscriptions on the same fd. */
static wasi_errno_t watch_fd(wasi_ctx *ctx, uint32_t fd, struct pending *p, uint32_t *npollfds) {
  uint8_t type = p->type;
  /* fd_table_get(ctx->fds, fd, 0, &e) spelled out: this runs for every watched descriptor on
   * every round of a guest's event loop, and the call was a visible share of it. */
  struct wasi_fd_table *table = ctx->fds;
  if (fd >= table->capacity || !table->entries[fd].in_use)
    return WASI_EBADF;
  struct wasi_fd_entry *e = &table->entries[fd];
  wasi_rights_t io_right =
      type == WASI_EVENTTYPE_FD_READ ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE;
  if (!(e->rights_base & (io_right | WASI_RIGHT_POLL_FD_READWRITE)))
    return WASI_ENOTCAPABLE;
  p->regular_file = e->filetype == WASI_FILETYPE_REGULAR_FILE;
  /* fd < capacity <= WASMAOT_MAX_FDS, so fd indexes the stamp arrays. */
  if (scratch.stamp[fd] != scratch.call_stamp) {
    scratch.stamp[fd] = scratch.call_stamp;
    scratch.index_of_fd[fd] = (*npollfds)++;
    scratch.pollfds[scratch.index_of_fd[fd]] = (struct pollfd){.fd = e->host_fd};
  }
  p->pollfd_index = scratch.index_of_fd[fd];
  scratch.pollfds[p->pollfd_index].events |=
      type == WASI_EVENTTYPE_FD_READ ? POLLIN | POLLRDHUP : POLLOUT;
  return WASI_ESUCCESS;
}

/* Waits until a pollfd is ready or the monotonic deadline passes (none: UINT64_MAX). */
static wasi_errno_t wait_for_events(uint32_t npollfds, uint64_t deadline) {
  for (;;) {
    struct timespec ts, *timeout = NULL;
    if (deadline != UINT64_MAX) {
      uint64_t now = now_ns(CLOCK_MONOTONIC);
      uint64_t left = deadline > now ? deadline - now : 0;
      ts.tv_sec = (time_t)(left / 1000000000u);
      ts.tv_nsec = (long)(left % 1000000000u);
      timeout = &ts;
    }
    int n = ppoll(scratch.pollfds, npollfds, timeout, NULL);
    if (n >= 0)
      return WASI_ESUCCESS;
    if (errno != EINTR)
      return wasi_errno_last();
  }
}

/* Fills in the event of one fd subscription if its pollfd is ready; returns whether it is. */
static bool fd_event(const struct pending *p, uint16_t *error, uint64_t *nbytes, uint16_t *flags) {
  const struct pollfd *pfd = &scratch.pollfds[p->pollfd_index];
  short wanted = p->type == WASI_EVENTTYPE_FD_READ ? POLLIN | POLLRDHUP : POLLOUT;
  short revents = pfd->revents;
  if (!(revents & (wanted | POLLHUP | POLLERR | POLLNVAL)))
    return false;
  *error = WASI_ESUCCESS;
  *nbytes = 0;
  *flags = 0;
  if (revents & POLLNVAL) {
    *error = WASI_EBADF;
  } else if (revents & POLLERR) {
    *error = WASI_EIO;
  } else if (p->type == WASI_EVENTTYPE_FD_READ) {
    bool hangup = revents & (POLLHUP | POLLRDHUP);
    if (p->regular_file) {
      struct stat st;
      off_t pos = lseek(pfd->fd, 0, SEEK_CUR);
      if (fstat(pfd->fd, &st) == 0 && pos >= 0 && st.st_size > pos)
        *nbytes = (uint64_t)(st.st_size - pos);
    } else if (hangup) {
      int avail = 0; /* what is left before the end of the stream, often 0 */
      if (ioctl(pfd->fd, FIONREAD, &avail) == 0 && avail > 0)
        *nbytes = (uint64_t)avail;
    } else {
      *nbytes = 1;
    }
    if (hangup)
      *flags = WASI_EVENTRWFLAG_HANGUP;
  } else if (revents & POLLHUP) {
    *flags = WASI_EVENTRWFLAG_HANGUP;
  }
  return true;
}

wasi_errno_t wasi_poll_oneoff(wasi_ctx *ctx, uint32_t in, uint32_t out, uint32_t nsubscriptions,
                              uint32_t nevents_out) {
  wasm_rt_memory_t *mem = ctx->memory;
  if (nsubscriptions == 0)
    return WASI_EINVAL;
  /* No guest code runs during this call, so memory cannot grow or move under these. */
  const uint8_t *subs = guest_mem_span(mem, in, (uint64_t)nsubscriptions * WASI_SUBSCRIPTION_SIZE);
  uint8_t *events = guest_mem_span(mem, out, (uint64_t)nsubscriptions * WASI_EVENT_SIZE);
  if (!subs || !events || !guest_mem_span(mem, nevents_out, 4))
    return WASI_EFAULT;
  wasi_errno_t err = scratch_reserve(nsubscriptions);
  if (err)
    return err;
  if (++scratch.call_stamp == 0) { /* wrapped: forget every stamp so none matches by accident */
    for (uint32_t i = 0; i < WASMAOT_MAX_FDS; i++)
      scratch.stamp[i] = 0;
    scratch.call_stamp = 1;
  }

  uint64_t mono_now = now_ns(CLOCK_MONOTONIC), earliest = UINT64_MAX;
  uint32_t npollfds = 0;
  for (uint32_t i = 0; i < nsubscriptions; i++) {
    const uint8_t *sub = subs + (size_t)i * WASI_SUBSCRIPTION_SIZE;
    struct pending *p = &scratch.pending[i];
    p->userdata = load_le(sub + SUB_USERDATA, 8);
    p->type = sub[SUB_TAG];
    switch (p->type) {
    case WASI_EVENTTYPE_CLOCK:
      err = clock_deadline(sub, mono_now, &p->deadline_ns);
      if (!err && p->deadline_ns < earliest)
        earliest = p->deadline_ns;
      break;
    case WASI_EVENTTYPE_FD_READ:
    case WASI_EVENTTYPE_FD_WRITE: {
      err = watch_fd(ctx, (uint32_t)load_le(sub + SUB_FD, 4), p, &npollfds);
      break;
    }
    default:
      err = WASI_EINVAL;
    }
    if (err)
      return err;
  }

  /* Wait, then report every subscription that is ready. A ppoll that returns with nothing we
   * can report (a deadline not quite reached) waits again. */
  uint32_t nevents = 0;
  while (nevents == 0) {
    if ((err = wait_for_events(npollfds, earliest)))
      return err;
    uint64_t now = earliest == UINT64_MAX ? 0 : now_ns(CLOCK_MONOTONIC);
    for (uint32_t i = 0; i < nsubscriptions; i++) {
      const struct pending *p = &scratch.pending[i];
      uint16_t error = WASI_ESUCCESS, flags = 0;
      uint64_t nbytes = 0;
      if (p->type == WASI_EVENTTYPE_CLOCK ? now < p->deadline_ns
                                          : !fd_event(p, &error, &nbytes, &flags))
        continue;
      uint8_t *ev = events + (size_t)nevents++ * WASI_EVENT_SIZE;
      memset(ev, 0, WASI_EVENT_SIZE); /* padding included: no stale guest bytes */
      store_le(ev + EV_USERDATA, p->userdata, 8);
      store_le(ev + EV_ERROR, error, 2);
      ev[EV_TYPE] = p->type;
      store_le(ev + EV_NBYTES, nbytes, 8);
      store_le(ev + EV_FLAGS, flags, 2);
    }
  }
  return guest_mem_write_u32(mem, nevents_out, nevents);
}
