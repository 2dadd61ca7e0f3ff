/* One request in a pristine instance. See serve.h.
 *
 * reset (the default): one instance at a fixed address for the worker's life. After
 * instantiation we keep the bytes of the whole instance struct (globals, segment-dropped flags,
 * the memory and table structs inline in it), and of every memory and table its instantiation
 * allocated: the link wraps wabt's wasm_rt_allocate_memory / _funcref_table / _externref_table
 * (-Wl,--wrap, see translator/pipeline.c), so every one is known, whatever the module. After
 * each request, all of it is copied back:
 *  - memory with guard pages (mmap'd by wabt): the initial pages are made read-only after the
 *    snapshot; a write to one (by the guest or by a WASI call on its behalf) faults once into
 *    our SIGSEGV handler, which makes that page writable and adds it to the "hot" set. After
 *    each request the hot pages are copied back from the image; the others cannot have changed.
 *    After a few requests the hot set is what requests write, no fault happens any more, and
 *    the reset costs a memcpy of those pages. Pages grown past the initial size go back to
 *    PROT_NONE and are dropped (MADV_DONTNEED), so they read as zero when grown again;
 *  - memory without guard pages (explicit bounds checks, memory64, custom page sizes): malloc'd
 *    by wabt; shrunk back (realloc) and copied whole from the image;
 *  - tables: shrunk back and their elements copied from the snapshot.
 * Traps (also those raised in wabt's SIGSEGV handler) and proc_exit longjmp back here
 * (wasmaot_unwind_target), never exit.
 * fresh: the instance is freed and instantiated again after every request.
 * fork: the worker keeps the pristine instance and never runs it; every request runs in a
 * child forked from it, which writes the response into a shared mapping and exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serve.h"

void wasm_rt_set_unwind_target(wasm_rt_jmp_buf *target); /* wasm-rt-exceptions.h */

/* ---- What instantiation allocates (the --wrap'd allocators) --------------------------------- */

enum { MAX_THINGS = 64 };

struct tracked_memory {
  wasm_rt_memory_t *m;
  wasm_rt_memory_t pristine;
  uint8_t *image;      /* the initial contents, pristine.size bytes */
  bool mapped;         /* wabt's mmap with guard pages: write-tracked page by page */
  uint8_t *hot_bitmap; /* mapped: one bit per host page of the initial size */
  uint32_t *hot;       /* mapped: the hot pages, in the order they were first written */
  size_t nhot;
};

struct tracked_table {
  wasm_rt_funcref_table_t *t; /* the externref table has the same layout: data, max, size */
  wasm_rt_funcref_table_t pristine;
  size_t elem_size;
  void *elems; /* the initial elements */
};

static struct tracked_memory g_memories[MAX_THINGS];
static struct tracked_table g_tables[MAX_THINGS];
static int g_nmemories, g_ntables;
static size_t g_page;

void __real_wasm_rt_allocate_memory(wasm_rt_memory_t *, uint64_t, uint64_t, bool, uint32_t);
void __real_wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *, uint32_t, uint32_t);
void __real_wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *, uint32_t, uint32_t);
void __wrap_wasm_rt_allocate_memory(wasm_rt_memory_t *, uint64_t, uint64_t, bool, uint32_t);
void __wrap_wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *, uint32_t, uint32_t);
void __wrap_wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *, uint32_t, uint32_t);
void __wrap_wasm_rt_allocate_memory_shared(void);

WASM_RT_NO_RETURN static void too_many(void) {
  wasmaot_rt_fatal("wasmaot serve: more memories or tables than it can track");
}

void __wrap_wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint64_t initial, uint64_t max, bool is64,
                                    uint32_t page_size) {
  __real_wasm_rt_allocate_memory(m, initial, max, is64, page_size);
  if (g_nmemories == MAX_THINGS)
    too_many();
  g_memories[g_nmemories++].m = m;
}

void __wrap_wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *t, uint32_t n, uint32_t max) {
  __real_wasm_rt_allocate_funcref_table(t, n, max);
  if (g_ntables == MAX_THINGS)
    too_many();
  g_tables[g_ntables++] = (struct tracked_table){.t = t, .elem_size = sizeof(wasm_rt_funcref_t)};
}

void __wrap_wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *t, uint32_t n,
                                             uint32_t max) {
  __real_wasm_rt_allocate_externref_table(t, n, max);
  if (g_ntables == MAX_THINGS)
    too_many();
  _Static_assert(sizeof *t == sizeof(wasm_rt_funcref_table_t), "table layouts differ");
  g_tables[g_ntables++] = (struct tracked_table){.t = (wasm_rt_funcref_table_t *)t,
                                                 .elem_size = sizeof(wasm_rt_externref_t)};
}

/* A shared memory is written by other threads behind our back: no pristine state to promise. */
void __wrap_wasm_rt_allocate_memory_shared(void) {
  wasmaot_rt_fatal("wasmaot serve: modules with shared memories cannot be served");
}

/* ---- The write-tracking fault handler (guard pages) ----------------------------------------- */

static struct sigaction g_previous_segv, g_previous_bus;

static bool make_hot(uintptr_t addr) {
  for (int i = 0; i < g_nmemories; i++) {
    struct tracked_memory *t = &g_memories[i];
    uintptr_t base = (uintptr_t)t->m->data;
    if (!t->mapped || addr < base || addr >= base + t->pristine.size)
      continue;
    size_t page = (addr - base) / g_page;
    if (t->hot_bitmap[page / 8] & (1u << (page % 8)))
      return false; /* already writable: a real fault */
    if (mprotect((void *)(base + page * g_page), g_page, PROT_READ | PROT_WRITE) != 0)
      return false;
    t->hot_bitmap[page / 8] |= (uint8_t)(1u << (page % 8));
    t->hot[t->nhot++] = (uint32_t)page;
    return true;
  }
  return false;
}

static void write_fault_handler(int sig, siginfo_t *si, void *uc) {
  if (si->si_code == SEGV_ACCERR && make_hot((uintptr_t)si->si_addr))
    return; /* the write is retried, now on a writable page */
  const struct sigaction *prev = sig == SIGBUS ? &g_previous_bus : &g_previous_segv;
  if (prev->sa_flags & SA_SIGINFO)
    prev->sa_sigaction(sig, si, uc); /* wabt's: the trap (it longjmps away) */
  else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN)
    prev->sa_handler(sig);
  signal(sig, SIG_DFL); /* not ours and nobody else's: crash as we would have */
  raise(sig);
}

static int install_write_tracking(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = write_fault_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK; /* wabt's alternate stack: stack overflow lands here */
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, &g_previous_segv) != 0 || sigaction(SIGBUS, &sa, &g_previous_bus))
    return -1;
  return 0;
}

/* ---- Snapshot and restore ------------------------------------------------------------------- */

struct serve_engine {
  const struct serve_guest *g;
  wasi_ctx *ctx;
  enum serve_isolation isolation;
  uint8_t *instance_image;
  struct wasi_mem_stream in, out;
  int null_fd;
  sigset_t mask; /* the worker's signal mask, put back after a trap from a signal handler */
  struct fork_shared *shared; /* fork */
  bool fresh_pending_free;    /* fresh: the last request's instance is still there */
};

volatile int serve_engine_child;

/* Whether wabt mmap'd this memory with guard pages (guard mode, 32-bit, 64 KiB pages): then
 * its reservation reaches far past its size. A malloc'd one ends exactly at its size. This
 * library serves every bounds mode, so it looks rather than assumes. */
static bool memory_is_mapped(const wasm_rt_memory_t *m) {
  return !m->is64 && m->page_size == 65536 && (uint64_t)(m->data_end - m->data) > m->size;
}

static int snapshot(struct serve_engine *e) {
  e->instance_image = malloc(e->g->instance_size);
  if (!e->instance_image)
    return -1;
  memcpy(e->instance_image, e->g->instance, e->g->instance_size);
  for (int i = 0; i < g_ntables; i++) {
    struct tracked_table *t = &g_tables[i];
    t->pristine = *t->t;
    size_t bytes = (size_t)t->t->size * t->elem_size;
    t->elems = malloc(bytes ? bytes : 1);
    if (!t->elems)
      return -1;
    if (bytes)
      memcpy(t->elems, t->t->data, bytes);
  }
  bool tracking = false;
  for (int i = 0; i < g_nmemories; i++) {
    struct tracked_memory *t = &g_memories[i];
    t->pristine = *t->m;
    size_t size = (size_t)t->m->size;
    t->image = malloc(size ? size : 1);
    if (!t->image)
      return -1;
    if (size)
      memcpy(t->image, t->m->data, size);
    t->mapped = memory_is_mapped(t->m) && size % g_page == 0;
    if (t->mapped) {
      size_t pages = size / g_page;
      t->hot_bitmap = calloc(pages / 8 + 1, 1);
      t->hot = calloc(pages + 1, sizeof *t->hot);
      if (!t->hot_bitmap || !t->hot || (size && mprotect(t->m->data, size, PROT_READ) != 0))
        return -1;
      tracking = true;
    }
  }
  return tracking ? install_write_tracking() : 0;
}

/* Puts every memory, table and the instance struct back as snapshot() saw them. */
static int restore(struct serve_engine *e) {
  uint8_t *mem_data[MAX_THINGS];
  void *table_data[MAX_THINGS];
  for (int i = 0; i < g_nmemories; i++) {
    struct tracked_memory *t = &g_memories[i];
    wasm_rt_memory_t *m = t->m;
    size_t initial = (size_t)t->pristine.size;
    if (t->mapped) {
      for (size_t h = 0; h < t->nhot; h++)
        memcpy(m->data + (size_t)t->hot[h] * g_page, t->image + (size_t)t->hot[h] * g_page, g_page);
      if (m->size > initial) {
        size_t grown = (size_t)m->size - initial;
        if (mprotect(m->data + initial, grown, PROT_NONE) != 0 ||
            madvise(m->data + initial, grown, MADV_DONTNEED) != 0)
          return -1;
      }
      mem_data[i] = m->data;
    } else {
      uint8_t *d = m->data;
      if (m->size != initial) {
        uint8_t *shrunk = realloc(d, initial ? initial : 1);
        if (!shrunk)
          return -1;
        d = shrunk;
      }
      if (initial)
        memcpy(d, t->image, initial);
      mem_data[i] = d;
    }
  }
  for (int i = 0; i < g_ntables; i++) {
    struct tracked_table *t = &g_tables[i];
    void *d = t->t->data;
    size_t bytes = (size_t)t->pristine.size * t->elem_size;
    if (t->t->size != t->pristine.size) {
      void *shrunk = realloc(d, bytes ? bytes : 1);
      if (!shrunk)
        return -1;
      d = shrunk;
    }
    if (bytes)
      memcpy(d, t->elems, bytes);
    table_data[i] = d;
  }
  memcpy(e->g->instance, e->instance_image, e->g->instance_size);
  for (int i = 0; i < g_nmemories; i++) {
    struct tracked_memory *t = &g_memories[i];
    *t->m = t->pristine;
    t->m->data = mem_data[i];
    if (!t->mapped)
      t->m->data_end = mem_data[i] + t->pristine.size;
  }
  for (int i = 0; i < g_ntables; i++) {
    *g_tables[i].t = g_tables[i].pristine;
    g_tables[i].t->data = table_data[i];
  }
  return 0;
}

size_t serve_engine_hot_pages(const struct serve_engine *e) {
  (void)e;
  size_t n = 0;
  for (int i = 0; i < g_nmemories; i++)
    n += g_memories[i].nhot;
  return n;
}

/* ---- Running _start ------------------------------------------------------------------------- */

/* Runs _start once; traps and proc_exit come back here. Fills out's status fields. */
static void run_start(struct serve_engine *e, struct serve_outcome *out) {
  static struct wasmaot_unwind unwind;
  static wasm_rt_jmp_buf uncaught;
  out->trapped = false;
  out->exit_code = 0;
  out->trap_reason = NULL;
  if (WASM_RT_SETJMP_EXN(uncaught) != 0) {
    wasmaot_unwind_target = NULL;
    out->trapped = true;
    out->trap_reason = "uncaught exception";
    return;
  }
  wasm_rt_set_unwind_target(&uncaught);
  if (setjmp(unwind.jmp) == 0) {
    wasmaot_unwind_target = &unwind;
    e->g->start(e->g->instance);
    wasmaot_unwind_target = NULL;
    return;
  }
  wasmaot_unwind_target = NULL;
  /* A trap raised in a signal handler left that signal blocked. */
  sigprocmask(SIG_SETMASK, &e->mask, NULL);
  if (unwind.exited) {
    out->exit_code = unwind.exit_code;
  } else {
    out->trapped = true;
    out->trap_reason =
        unwind.unknown_import ? "call to an unknown import" : wasm_rt_strerror(unwind.trap);
  }
}

static void streams_begin(struct serve_engine *e, const uint8_t *body, size_t body_len) {
  e->in.in = body;
  e->in.in_len = body_len;
  e->in.in_pos = 0;
  e->out.out_len = 0;
  e->out.overflowed = false;
}

/* fork: what the child leaves for the worker. */
struct fork_shared {
  size_t out_len;
  bool overflowed, trapped;
  uint32_t exit_code;
  char trap_reason[96];
  uint8_t out[SERVE_MAX_RESPONSE];
};

static int run_forked(struct serve_engine *e, struct serve_outcome *out) {
  struct fork_shared *s = e->shared;
  s->out_len = 0;
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    run_start(e, out);
    s->out_len = e->out.out_len;
    s->overflowed = e->out.overflowed;
    s->trapped = out->trapped;
    s->exit_code = out->exit_code;
    snprintf(s->trap_reason, sizeof s->trap_reason, "%s", out->trap_reason ? out->trap_reason : "");
    _exit(0);
  }
  serve_engine_child = pid;
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  serve_engine_child = 0;
  out->out = s->out;
  out->out_len = s->out_len;
  out->overflowed = s->overflowed;
  out->trapped = s->trapped;
  out->trap_reason = s->trap_reason;
  out->exit_code = s->exit_code;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    out->crashed = !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    out->timed_out = !out->crashed;
  }
  return 0;
}

int serve_engine_run(struct serve_engine *e, const uint8_t *body, size_t body_len, uint32_t envc,
                     char **envp, struct serve_outcome *out) {
  memset(out, 0, sizeof *out);
  if (wasi_ctx_reset(e->ctx, envc, envp) != 0)
    return -1;
  streams_begin(e, body, body_len);
  if (e->isolation == ISOLATION_FORK)
    return run_forked(e, out);
  if (e->isolation == ISOLATION_FRESH && e->fresh_pending_free) {
    e->g->free_instance(e->g->instance);
    g_nmemories = g_ntables = 0;
    memset(e->g->instance, 0, e->g->instance_size);
    e->g->instantiate(e->g->instance, e->ctx);
  }
  run_start(e, out);
  out->out = e->out.out;
  out->out_len = e->out.out_len;
  out->overflowed = e->out.overflowed;
  if (e->isolation == ISOLATION_FRESH) {
    e->fresh_pending_free = true;
    return 0;
  }
  return restore(e);
}

struct serve_engine *serve_engine_new(const struct serve_guest *g, wasi_ctx *ctx,
                                      enum serve_isolation isolation) {
  struct serve_engine *e = calloc(1, sizeof *e);
  if (!e)
    goto fail;
  g_page = (size_t)sysconf(_SC_PAGESIZE);
  e->g = g;
  e->ctx = ctx;
  e->isolation = isolation;
  e->out.out_max = SERVE_MAX_RESPONSE;
  e->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (e->null_fd < 0 || wasi_ctx_set_mem_stream(ctx, 0, &e->in, e->null_fd) != 0 ||
      wasi_ctx_set_mem_stream(ctx, 1, &e->out, e->null_fd) != 0 || wasi_ctx_snapshot(ctx) != 0)
    goto fail;
  sigprocmask(SIG_SETMASK, NULL, &e->mask);
  if (isolation == ISOLATION_FORK) {
    e->shared = mmap(NULL, sizeof *e->shared, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (e->shared == MAP_FAILED)
      goto fail;
    /* The child writes the response straight into the shared mapping (never reallocated). */
    e->out.out = e->shared->out;
    e->out.out_cap = SERVE_MAX_RESPONSE;
  }
  g_nmemories = g_ntables = 0;
  ctx->memory = g->memory;
  g->instantiate(g->instance, ctx);
  if (isolation == ISOLATION_RESET && snapshot(e) != 0)
    goto fail;
  return e;
fail:
  fprintf(stderr, "wasmaot serve: cannot set up the instance: %s\n", strerror(errno));
  return NULL;
}

void serve_engine_free(struct serve_engine *e) {
  if (!e)
    return;
  e->g->free_instance(e->g->instance);
  if (e->isolation != ISOLATION_FORK)
    free(e->out.out);
  else
    munmap(e->shared, sizeof *e->shared);
  free(e->instance_image);
  if (e->null_fd >= 0)
    close(e->null_fd);
  free(e);
}

int serve_isolation_parse(const char *s, enum serve_isolation *out) {
  static const char *const names[] = {"reset", "fresh", "fork"};
  for (int i = 0; i < 3; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (enum serve_isolation)i;
      return 0;
    }
  return -1;
}

const char *serve_isolation_name(enum serve_isolation i) {
  return i == ISOLATION_RESET ? "reset" : i == ISOLATION_FRESH ? "fresh" : "fork";
}
