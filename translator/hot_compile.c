/* The hidden `wasmaot __hot-compile --entry STORE --funcs I,J,... -o OUT.so [--pch P --link L]
 * [-v]`: what a running quick-tier executable starts to compile its hot functions
 * (runtime-support/tierup.c), and `wasmaot __hot-compile --entry STORE --prepare OUT.pch`, what
 * it starts once before its first round (below).
 *
 * From the store (hot_rewrite.h) it writes one C file beside OUT.so: the prelude (types,
 * macros, helpers, declarations, through guest.h), then every function not chosen redirected
 * to the quick executable's through the table the runtime passes in
 *   #define w2c_guest_f7 ((u32 (*)(w2c_guest*, u32))wasmaot_hot_quick[7])
 * (a callee that tiers up later is still reached: its quick version forwards), then the chosen
 * functions verbatim (they call each other directly, so the optimiser inlines within the set),
 * and wasmaot_hot_init, the one exported symbol, which takes the table and names the new code.
 * It compiles with the optimised tier's compiler and flags, -fPIC -shared
 * -fvisibility=hidden; the runtime and the imports come from the executable, linked
 * -rdynamic. $WASMAOT_HOT_CC replaces the compiler (tests: a compiler that fails).
 * Exit status 0 and OUT.so written, or 1 and one line on stderr.
 *
 * A round's fixed cost was ~0.12 s of clang for a function of a few lines: ~20 ms its start,
 * ~35 ms the prelude and wasmaot-runtime.h, ~45 ms the driver's link. --prepare (clang only)
 * precompiles the prelude, with guest-impl.h and guest.h spliced in, read from stdin (a
 * precompiled header names the files it was made from, and these are gone after it), into
 * OUT.pch, and writes OUT.link: the linker and libgcc.a the driver would use ("ld PATH",
 * "libgcc PATH"). A round given --pch (the runtime passes the open files as /dev/fd/N) then
 * writes only its functions, compiles them with -include-pch and -c, and links the object with
 * that ld itself: ~40 ms for such a function (without --link, clang links as before). */
#define _GNU_SOURCE
#include "hot_compile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hot_rewrite.h"
#include "pipeline.h"
#include "spawn.h"

/* -O1: flite's OSR variant of its biggest hot function compiled in 0.5 s against 1.2-1.4 s at -O2,
 * first run 2.6-3.2 s against 3.2-3.8 s (README, tiers); clang -O1's code is within a few
 * per cent of -O3's on wasm2c's C (cpu-hash 1.02x). */
enum { HOT_OPT_LEVEL = 1 };

struct store_file { /* guest.h, guest-impl.h */
  char name[64];
  long offset, length;
};

struct store_func {
  unsigned eligible, chosen, osr_chosen; /* osr: its OSR variant only (hot_osr.h) */
  long offset, length, osr_offset, osr_length;
  char *name, *cast; /* wasm2c's names of C++ functions run to kilobytes */
};

static char g_c_path[PATH_MAX + 16], g_so_path[PATH_MAX], g_dir[PATH_MAX];
/* --prepare's outputs, and a round's object before its link */
static char g_pch_path[PATH_MAX], g_link_path[PATH_MAX + 16], g_obj_path[PATH_MAX + 16];
static char g_header_paths[2][2 * PATH_MAX];

/* The runtime ends us with SIGTERM (PR_SET_PDEATHSIG) when the program exits: stop the
 * compiler's process group too, and leave nothing behind, not even the directory the runtime
 * made for us (it is gone). Async-signal-safe calls only. */
static void remove_ours(void);

static void on_term(int sig) {
  spawn_stop_all();
  remove_ours();
  if (g_dir[0])
    rmdir(g_dir);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* The files we write that must not outlive us (their paths empty when not ours): on a stop
 * (on_term) and on a failure, which left the headers beside the C file until now (the
 * runtime's directory could then not be removed). Async-signal-safe. */
static void remove_ours(void) {
  const char *ours[] = {g_c_path,   g_header_paths[0], g_header_paths[1], g_so_path,
                        g_pch_path, g_link_path,       g_obj_path};
  for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
    if (ours[i][0])
      unlink(ours[i]);
}

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "wasmaot: hot compile: %s%s\n", what, detail);
  remove_ours();
  return 1;
}

static int is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int valid_ident(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!is_ident(*s))
      return 0;
  return 1;
}

/* A function pointer type as hot_rewrite.c writes it ("u32 (*)(w2c_guest*, u32)"): it goes
 * into the C, so nothing but identifiers, spaces and the punctuation of such a type. */
static int valid_cast(const char *s) {
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          strchr("_ *(),", *s)))
      return 0;
  return 1;
}

static void free_funcs(struct store_func *f, unsigned long n) {
  for (unsigned long i = 0; f && i < n; i++)
    free(f[i].name), free(f[i].cast);
  free(f);
}

/* wasm2c's function types for gcc/clang, and what the hot code must say instead when the
 * quick objects were compiled by tcc, which gets wasm2c's other form (hot_rewrite.h). */
static const char *const array_types[][2] = {
    {"#define FUNC_TYPE_DECL_EXTERN_T(x) extern const char* const x\n",
     "#define FUNC_TYPE_DECL_EXTERN_T(x) extern const char x[]\n"},
    {"#define FUNC_TYPE_EXTERN_T(x) const char* const x\n",
     "#define FUNC_TYPE_EXTERN_T(x) const char x[]\n"},
    {"#define FUNC_TYPE_T(x) static const char* const x\n",
     "#define FUNC_TYPE_T(x) static const char x[]\n"}};

/* length bytes at offset of the store's data, malloc'd and NUL-terminated; NULL if it cannot. */
static char *read_range(FILE *store, long data_start, long offset, long length) {
  if (offset < 0 || length < 0 || length > (1L << 30) ||
      fseek(store, data_start + offset, SEEK_SET) != 0)
    return NULL;
  char *text = malloc((size_t)length + 1);
  if (!text || fread(text, 1, (size_t)length, store) != (size_t)length) {
    free(text);
    return NULL;
  }
  text[length] = 0;
  return text;
}

/* Copies length bytes at offset of the store's data into out; with `arrays`, a header or
 * prelude whose function-type macros take the array form (array_types). */
static int copy_text(FILE *store, long data_start, long offset, long length, FILE *out,
                     int arrays) {
  char *text = read_range(store, data_start, offset, length);
  if (!text)
    return -1;
  const char *p = text;
  int ok = 1;
  while (ok && arrays && *p) {
    const char *hit = NULL, *to = NULL;
    size_t from_len = 0;
    for (size_t i = 0; i < sizeof array_types / sizeof *array_types; i++) {
      const char *at = strstr(p, array_types[i][0]);
      if (at && (!hit || at < hit))
        hit = at, to = array_types[i][1], from_len = strlen(array_types[i][0]);
    }
    if (!hit)
      break;
    ok = fwrite(p, 1, (size_t)(hit - p), out) == (size_t)(hit - p) && fputs(to, out) >= 0;
    p = hit + from_len;
  }
  size_t rest = strlen(p);
  ok = ok && fwrite(p, 1, rest, out) == rest;
  free(text);
  return ok ? 0 : -1;
}

/* The identifiers that start with "w2c_" in a text (the functions it calls), in libc's hash
 * table (hsearch_r): the keys are copies, freed with the set. */
struct name_set {
  struct hsearch_data table;
  char **keys;
  size_t n;
  int made;
};

static int name_set_collect(struct name_set *set, const char *text, size_t len) {
  memset(set, 0, sizeof *set);
  size_t most = len / 5 + 16; /* a name is at least "w2c_" and a character */
  set->keys = calloc(most, sizeof *set->keys);
  if (!set->keys || !hcreate_r(most * 2, &set->table))
    return -1;
  set->made = 1;
  for (size_t i = 0; i < len;) {
    if (!is_ident(text[i])) {
      i++;
      continue;
    }
    size_t start = i;
    while (i < len && is_ident(text[i]))
      i++;
    if (i - start <= 4 || memcmp(text + start, "w2c_", 4) != 0 || set->n >= most)
      continue;
    ENTRY e = {strndup(text + start, i - start), NULL}, *found;
    if (!e.key)
      return -1;
    if (hsearch_r(e, FIND, &found, &set->table) && found) {
      free(e.key);
      continue;
    }
    set->keys[set->n++] = e.key;
    if (!hsearch_r(e, ENTER, &found, &set->table))
      return -1;
  }
  return 0;
}

static int name_set_has(struct name_set *set, const char *s) {
  ENTRY e = {(char *)s, NULL}, *found = NULL;
  return set->made && hsearch_r(e, FIND, &found, &set->table) && found;
}

static void name_set_free(struct name_set *set) {
  if (set->made)
    hdestroy_r(&set->table);
  for (size_t i = 0; i < set->n; i++)
    free(set->keys[i]);
  free(set->keys);
}

/* Copies length bytes at offset of the store's data into out. */
static int copy_range(FILE *store, long data_start, long offset, long length, FILE *out) {
  if (offset < 0 || length < 0 || fseek(store, data_start + offset, SEEK_SET) != 0)
    return -1;
  char buf[65536];
  while (length > 0) {
    size_t want = length < (long)sizeof buf ? (size_t)length : sizeof buf;
    size_t n = fread(buf, 1, want, store);
    if (n == 0 || fwrite(buf, 1, n, out) != n)
      return -1;
    length -= (long)n;
  }
  return 0;
}

/* The hot compiles' options: the optimised tier's compiler and flags at HOT_OPT_LEVEL, for the
 * store's bounds mode. */
static void hot_options(struct build_options *o, const char *bounds, struct guest_cflags *flags) {
  build_options_default(o);
  o->bounds = strcmp(bounds, "check") == 0 ? BOUNDS_CHECK : BOUNDS_GUARD;
  o->tier = TIER_OPTIMIZED;
  build_options_resolve(o);
  const char *cc = getenv("WASMAOT_HOT_CC"), *level = getenv("WASMAOT_HOT_OPT");
  if (cc && *cc)
    o->cc = cc;
  /* HOT_OPT_LEVEL, not the optimised tier's -O3: a round's compile delays every function that
   * gets hot meanwhile ($WASMAOT_HOT_OPT=N to measure another level). */
  o->opt_level = HOT_OPT_LEVEL;
  if (level && *level >= '0' && *level <= '3' && !level[1])
    o->opt_level = *level - '0';
  pipeline_guest_cflags(o, flags);
}

/* The compile's flags into args (the same for the precompiled prelude and the rounds that use
 * it: clang refuses a PCH made with other options); with a PCH, wasmaot-runtime.h is in it.
 * Returns how many. */
static int hot_args(const struct guest_cflags *flags, const char *pch, char **args) {
  int n = 0;
  for (int i = 0; i < flags->argc && n < 30; i++) {
    if (pch && strcmp(flags->argv[i], "-include") == 0 && i + 1 < flags->argc &&
        strcmp(flags->argv[i + 1], "wasmaot-runtime.h") == 0) {
      i++;
      continue;
    }
    args[n++] = flags->argv[i];
  }
  args[n++] = "-fPIC";
  args[n++] = "-fvisibility=hidden";
  return n;
}

/* The linker and libgcc.a from a --link file ("ld PATH" and "libgcc PATH" lines, absolute
 * paths): 0, or -1 if it does not say both. */
static int read_link(const char *path, char ld[PATH_MAX], char libgcc[PATH_MAX]) {
  FILE *f = fopen(path, "r");
  char line[PATH_MAX];
  ld[0] = libgcc[0] = 0;
  while (f && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "ld /", 4) == 0)
      snprintf(ld, PATH_MAX, "%s", line + 3);
    else if (strncmp(line, "libgcc /", 8) == 0)
      snprintf(libgcc, PATH_MAX, "%s", line + 7);
  }
  if (f)
    fclose(f);
  return ld[0] && libgcc[0] ? 0 : -1;
}

/* The store's prelude and headers, for --prepare. */
struct store_text {
  FILE *store;
  long data_start, prelude_off, prelude_len;
  const struct store_file *files;
  int nfiles, arrays;
};

/* One piece of the store's text (copy_text's), in memory; NULL if it cannot be read. */
static char *read_text(const struct store_text *t, long offset, long length) {
  char *text = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&text, &len);
  if (!m)
    return NULL;
  int bad = copy_text(t->store, t->data_start, offset, length, m, t->arrays) != 0;
  if (fclose(m) != 0 || bad) {
    free(text);
    return NULL;
  }
  return text;
}

/* text with its first `directive` replaced by `with` (a new string), or NULL. */
static char *splice_text(const char *text, const char *directive, const char *with) {
  const char *at = text && with ? strstr(text, directive) : NULL;
  if (!at)
    return NULL;
  size_t a = (size_t)(at - text), d = strlen(directive), w = strlen(with), rest = strlen(at + d);
  char *s = malloc(a + w + rest + 1);
  if (s) {
    memcpy(s, text, a);
    memcpy(s + a, with, w);
    memcpy(s + a + w, at + d, rest + 1);
  }
  return s;
}

/* The first line of a child's output, if it is an absolute path to a file we may `mode`. */
static int tool_path(char *out, int mode) {
  out[strcspn(out, "\r\n")] = 0;
  return out[0] == '/' && access(out, mode) == 0;
}

/* --prepare: the prelude with its headers spliced in, precompiled into g_pch_path, and the
 * linker and libgcc.a the compiler's driver would use into g_link_path (the top of this file).
 * The three run at once. */
static int prepare_prelude(const struct store_text *t, const char *bounds, int verbose) {
  /* The prelude includes guest-impl.h, which includes guest.h (one part: guest.h alone). */
  char *flat = read_text(t, t->prelude_off, t->prelude_len);
  const char *order[] = {"guest-impl.h", "guest.h"};
  for (int o = 0; o < 2 && flat; o++)
    for (int k = 0; k < t->nfiles && k < 4 && flat; k++)
      if (strcmp(t->files[k].name, order[o]) == 0) {
        char directive[96], *text = read_text(t, t->files[k].offset, t->files[k].length);
        snprintf(directive, sizeof directive, "#include \"%s\"", order[o]);
        char *spliced = splice_text(flat, directive, text);
        free(flat), free(text);
        flat = spliced;
      }
  if (!flat)
    return fail("no prelude to precompile: ", "the store's prelude is not as expected");
  /* The text goes to the compiler's stdin from a file already unlinked. */
  int fd = open(g_c_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  size_t len = strlen(flat);
  int ok = fd >= 0 && write(fd, flat, len) == (ssize_t)len;
  free(flat);
  if (fd >= 0)
    unlink(g_c_path);
  g_c_path[0] = 0;
  if (!ok) {
    if (fd >= 0)
      close(fd);
    return fail("cannot write the prelude beside ", g_pch_path);
  }
  struct build_options o;
  struct guest_cflags flags;
  hot_options(&o, bounds, &flags);
  if (!strstr(o.cc, "clang")) {
    close(fd);
    return fail("no precompiled prelude: not clang: ", o.cc);
  }
  char in_path[64];
  snprintf(in_path, sizeof in_path, "/dev/fd/%d", fd);
  char *pch_args[48];
  int n = hot_args(&flags, NULL, pch_args);
  pch_args[n++] = "-x";
  pch_args[n++] = "c-header";
  pch_args[n++] = "-";
  pch_args[n++] = "-o";
  pch_args[n++] = g_pch_path;
  pch_args[n] = NULL;
  char *ld_args[] = {(char *)o.cc, "-print-prog-name=ld", NULL};
  char *libgcc_args[] = {(char *)o.cc, "-print-libgcc-file-name", NULL};
  struct spawn_job *jobs = calloc(3, sizeof *jobs);
  if (!jobs) {
    close(fd);
    return fail("out of memory", "");
  }
  jobs[0].argv = pch_args, jobs[0].stdin_path = in_path;
  jobs[1].argv = ld_args, jobs[2].argv = libgcc_args;
  int failed = spawn_all(jobs, 3, 3);
  close(fd);
  int rc = 0;
  if (failed >= 0) { /* the others were stopped: the PCH may be partial */
    unlink(g_pch_path);
    rc = fail(o.cc, failed == 0 ? ": the prelude's compile failed" : ": cannot ask for its tools");
  } else if (tool_path(jobs[1].out, X_OK) && tool_path(jobs[2].out, R_OK)) {
    FILE *l = fopen(g_link_path, "w");
    if (!l || fprintf(l, "ld %s\nlibgcc %s\n", jobs[1].out, jobs[2].out) < 0 || fclose(l) != 0) {
      if (l)
        fclose(l);
      unlink(g_link_path);
    }
  }
  /* Without the link file the rounds link with the compiler's driver (a round without the
   * precompiled prelude is no failure either: the runtime then compiles as before). */
  free(jobs);
  if (rc == 0 && verbose)
    fprintf(stderr, "wasmaot: hot compile: prelude precompiled with %s -O%d\n", o.cc, o.opt_level);
  g_pch_path[0] = g_link_path[0] = 0; /* ours no more: the runtime's to open and remove */
  return rc;
}

/* Function i's OSR variant into out: from the store, or (HOT_OSR_REGENERATE) made again from
 * the function's text, which must give as many bytes as the index says. */
static int copy_osr(FILE *store, long data_start, const struct store_func *f, unsigned long i,
                    FILE *out) {
  if (f->osr_offset != HOT_OSR_REGENERATE)
    return copy_range(store, data_start, f->osr_offset, f->osr_length, out);
  char *text = read_range(store, data_start, f->offset, f->length), *variant = NULL;
  size_t variant_len = 0;
  int ok =
      text && hot_rewrite_osr_variant(text, (size_t)f->length, i, &variant, &variant_len) == 0 &&
      variant_len == (size_t)f->osr_length && fwrite(variant, 1, variant_len, out) == variant_len;
  free(text), free(variant);
  return ok ? 0 : -1;
}

int hot_compile_main(int argc, char **argv) {
  const char *entry = NULL, *funcs = NULL, *out = NULL, *pch = NULL, *link = NULL;
  int verbose = 0, prepare = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--entry") == 0 && i + 1 < argc)
      entry = argv[++i];
    else if (strcmp(argv[i], "--funcs") == 0 && i + 1 < argc)
      funcs = argv[++i];
    else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
      out = argv[++i];
    else if (strcmp(argv[i], "--prepare") == 0 && i + 1 < argc)
      out = argv[++i], prepare = 1;
    else if (strcmp(argv[i], "--pch") == 0 && i + 1 < argc)
      pch = argv[++i];
    else if (strcmp(argv[i], "--link") == 0 && i + 1 < argc)
      link = argv[++i];
    else if (strcmp(argv[i], "-v") == 0)
      verbose = 1;
    else
      return fail("unknown argument ", argv[i]);
  }
  if (!entry || !out || (!funcs && !prepare) || (prepare && (funcs || pch || link)))
    return fail("usage: wasmaot __hot-compile --entry STORE (--funcs I,J,... -o OUT.so [--pch "
                "PCH [--link LINK]] | --prepare OUT.pch)",
                "");
  signal(SIGTERM, on_term);
  /* The runtime starts us with SIGTERM blocked (its PR_SET_PDEATHSIG may come before the
   * handler is in place); now it may come. */
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_UNBLOCK, &term, NULL);
  size_t outlen = strlen(out);
  const char *ext = prepare ? ".pch" : ".so";
  size_t extlen = strlen(ext);
  if (outlen <= extlen || outlen >= PATH_MAX || strcmp(out + outlen - extlen, ext) != 0)
    return fail(prepare ? "the output must end in .pch: " : "the output must end in .so: ", out);
  if (prepare) {
    snprintf(g_pch_path, sizeof g_pch_path, "%s", out);
    snprintf(g_link_path, sizeof g_link_path, "%.*s.link", (int)(outlen - extlen), out);
    snprintf(g_c_path, sizeof g_c_path, "%.*s.h", (int)(outlen - extlen), out);
  } else {
    snprintf(g_c_path, sizeof g_c_path, "%.*s.c", (int)(outlen - 3), out);
    snprintf(g_obj_path, sizeof g_obj_path, "%.*s.o", (int)(outlen - 3), out);
  }
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", out);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = 0;
  else
    snprintf(dir, sizeof dir, ".");
  if (!prepare)
    snprintf(g_so_path, sizeof g_so_path, "%s", out);
  if (slash) /* the runtime's private directory: ours to remove if we are stopped */
    snprintf(g_dir, sizeof g_dir, "%s", dir);

  FILE *store = fopen(entry, "rb");
  if (!store)
    return fail("cannot read ", entry);
  char *line = NULL, bounds[16] = "", types[16] = "";
  size_t line_cap = 0;
  unsigned long nfuncs = 0;
  long index_at = -1, data_start = 0;
  /* The head line, then the index after the data (hot_rewrite.h). */
  if (getline(&line, &line_cap, store) < 0 ||
      sscanf(line, "wasmaot-hot 2 %20ld\n", &index_at) != 1 || (data_start = ftell(store)) <= 0 ||
      index_at < data_start || fseek(store, index_at, SEEK_SET) != 0 ||
      fscanf(store, "bounds %15s\ntypes %15s\nnfuncs %lu\n", bounds, types, &nfuncs) != 3 ||
      nfuncs == 0 || nfuncs > (1UL << 24) ||
      (strcmp(types, "array") != 0 && strcmp(types, "pointer") != 0)) {
    fclose(store), free(line);
    return fail("not a tier-up store: ", entry);
  }
  struct store_func *f = calloc(nfuncs, sizeof *f);
  struct store_file files[4];
  int nfiles = 0;
  long prelude_off = -1, prelude_len = 0;
  int bad = !f;
  int ended = 0;
  while (!bad && getline(&line, &line_cap, store) > 0 && !(ended = strcmp(line, "end\n") == 0)) {
    unsigned long i;
    unsigned e;
    long off, len, ooff, olen;
    int used = 0;
    line[strcspn(line, "\n")] = 0;
    if (sscanf(line, "f %lu %u %ld %ld %ld %ld %n", &i, &e, &off, &len, &ooff, &olen, &used) == 6 &&
        used > 0) {
      char *name = line + used, *cast = strchr(name, ' ');
      if (i >= nfuncs || !cast || f[i].name) {
        bad = 1;
        break;
      }
      *cast++ = 0;
      f[i].name = strdup(name), f[i].cast = strdup(cast);
      if (!f[i].name || !f[i].cast) {
        bad = 1;
        break;
      }
      f[i].eligible = e, f[i].offset = off, f[i].length = len;
      f[i].osr_offset = ooff, f[i].osr_length = olen;
      bad = !valid_ident(f[i].name) || !valid_cast(f[i].cast);
    } else if (sscanf(line, "prelude %ld %ld", &prelude_off, &prelude_len) == 2) {
    } else if (nfiles < 4 && sscanf(line, "file %63s %ld %ld", files[nfiles].name,
                                    &files[nfiles].offset, &files[nfiles].length) == 3) {
      bad = strcmp(files[nfiles].name, "guest.h") != 0 &&
            strcmp(files[nfiles].name, "guest-impl.h") != 0;
      nfiles++;
    } else {
      bad = 1;
    }
  }
  free(line);
  if (bad || !ended || prelude_off < 0) {
    fclose(store), free_funcs(f, nfuncs);
    return fail("a corrupt tier-up store: ", entry);
  }
  if (prepare) {
    free_funcs(f, nfuncs);
    struct store_text text = {
        store, data_start, prelude_off, prelude_len, files, nfiles, strcmp(types, "array") == 0};
    int rc = prepare_prelude(&text, bounds, verbose);
    fclose(store);
    return rc;
  }
  /* The chosen functions: indices of eligible functions; "oI" asks for I's OSR variant (a
   * function without one is skipped: its running call stays quick). */
  unsigned nchosen = 0;
  for (const char *p = funcs; *p;) {
    char *end;
    int osr = *p == 'o';
    unsigned long i = strtoul(p + osr, &end, 10);
    if (end == p + osr || i >= nfuncs || !f[i].eligible || (*end && *end != ',')) {
      fclose(store), free_funcs(f, nfuncs);
      return fail("bad --funcs: ", funcs);
    }
    if (osr && f[i].osr_length > 0) {
      nchosen += !f[i].osr_chosen;
      f[i].osr_chosen = 1;
    } else if (!osr) {
      nchosen += !f[i].chosen;
      f[i].chosen = 1;
    }
    p = *end ? end + 1 : end;
  }
  /* The headers beside the C file, then the C file (with --pch, both are in it). */
  for (int k = 0; k < nfiles && !bad && !pch; k++) {
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, files[k].name);
    if (k < 2)
      snprintf(g_header_paths[k], sizeof g_header_paths[k], "%s", path);
    FILE *h = fopen(path, "w");
    bad = !h || copy_text(store, data_start, files[k].offset, files[k].length, h,
                          strcmp(types, "array") == 0) != 0;
    if (h && fclose(h) != 0)
      bad = 1;
  }
  FILE *c = bad ? NULL : fopen(g_c_path, "w");
  if (!c || nchosen == 0) {
    if (c)
      fclose(c), unlink(g_c_path);
    fclose(store), free_funcs(f, nfuncs);
    return fail(c ? "nothing to compile: " : "cannot write the hot C in ", c ? funcs : dir);
  }
  if (!pch)
    bad =
        copy_text(store, data_start, prelude_off, prelude_len, c, strcmp(types, "array") == 0) != 0;
  fputs("\n/* wasmaot __hot-compile: the other functions are the quick tier's */\n"
        "static void **wasmaot_hot_quick;\n",
        c);
  /* The chosen functions' text first, into memory: only the functions it names get their
   * #define (svg-flatten's 2,700 of them, with C++ names and casts, were 1 MB of C that
   * every round parsed). */
  char *chosen_text = NULL;
  size_t chosen_len = 0;
  FILE *mem = open_memstream(&chosen_text, &chosen_len);
  for (unsigned long i = 0; i < nfuncs && !bad; i++)
    bad = !mem ||
          (f[i].chosen && copy_range(store, data_start, f[i].offset, f[i].length, mem) != 0) ||
          (f[i].osr_chosen && copy_osr(store, data_start, &f[i], i, mem) != 0);
  if (mem && fclose(mem) != 0)
    bad = 1;
  struct name_set used;
  bad = name_set_collect(&used, chosen_text, chosen_len) != 0 || bad;
  for (unsigned long i = 0; i < nfuncs && !bad; i++)
    if (!f[i].chosen && f[i].name && name_set_has(&used, f[i].name))
      fprintf(c, "#define %s ((%s)wasmaot_hot_quick[%lu])\n", f[i].name, f[i].cast, i);
  bad = bad || fwrite(chosen_text, 1, chosen_len, c) != chosen_len;
  name_set_free(&used);
  free(chosen_text);
  fputs("\n__attribute__((visibility(\"default\"))) unsigned wasmaot_hot_init(void **quick, "
        "unsigned *index, void **code, void **osr) {\n  wasmaot_hot_quick = quick;\n",
        c);
  unsigned k = 0;
  for (unsigned long i = 0; i < nfuncs; i++) {
    if (f[i].chosen)
      fprintf(c, "  index[%u] = %luu, code[%u] = (void *)&%s, osr[%u] = 0;\n", k, i, k, f[i].name,
              k),
          k++;
    if (f[i].osr_chosen)
      fprintf(c, "  index[%u] = %luu, code[%u] = 0, osr[%u] = (void *)&wasmaot_osr_%lu;\n", k, i, k,
              k, i),
          k++;
  }
  fprintf(c, "  return %uu;\n}\n", k);
  fclose(store);
  free_funcs(f, nfuncs);
  if (fclose(c) != 0 || bad)
    return fail("cannot write ", g_c_path);

  /* The optimised tier's compile, as a shared object. */
  struct build_options o;
  struct guest_cflags flags;
  hot_options(&o, bounds, &flags);
  char *args[48];
  int n = hot_args(&flags, pch, args);
  char ld[PATH_MAX], libgcc[PATH_MAX];
  int own_link = pch && link && read_link(link, ld, libgcc) == 0;
  if (pch) {
    args[n++] = "-include-pch";
    args[n++] = (char *)pch;
  }
  args[n++] = own_link ? "-c" : "-shared";
  args[n++] = g_c_path;
  args[n++] = "-o";
  args[n++] = own_link ? g_obj_path : (char *)out;
  args[n] = NULL;
  char msg[8192];
  int rc = spawn_capture(args, msg, sizeof msg);
  if (rc == 0 && own_link) {
    char *ld_args[] = {ld,   "-shared",   "-z",       "noexecstack", "--eh-frame-hdr",
                       "-o", (char *)out, g_obj_path, libgcc,        NULL};
    rc = spawn_capture(ld_args, msg, sizeof msg);
  }
  unlink(g_c_path);
  unlink(g_obj_path);
  for (int k2 = 0; k2 < nfiles && !pch; k2++) {
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, files[k2].name);
    unlink(path);
  }
  g_c_path[0] = g_obj_path[0] = 0;
  if (rc != 0) {
    unlink(out);
    return fail(o.cc, rc == 127 ? ": cannot run the compiler" : ": the compile failed");
  }
  if (verbose)
    fprintf(stderr, "wasmaot: hot compile: %u functions with %s -O%d%s\n", nchosen, o.cc,
            o.opt_level,
            own_link ? " (prelude precompiled, own link)"
            : pch    ? " (prelude precompiled)"
                     : "");
  return 0;
}
