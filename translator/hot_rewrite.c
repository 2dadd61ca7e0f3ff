/* In-run tier-up, the translator's half. See hot_rewrite.h.
 *
 * What wasm2c 1.0.42 writes for a wasm function, and what we match exactly:
 *
 *   u32 w2c_guest_fib(w2c_guest* instance, u32 var_p0) {      a line of its own
 *     u32 var_l1 = 0;                                        (locals)
 *     FUNC_PROLOGUE;                                         only wasm functions have it
 *     ...
 *     var_L1:                                                a loop's label, back-edge `goto`
 *     ...
 *   }                                                        the first "}" at column 0
 *
 * Exports' wrappers, tail-call thunks and the instance's init functions have no FUNC_PROLOGUE
 * and are left alone. The prelude (what the hot compile puts before the functions) is the
 * text of part 0 before the first of: a funcref wrapper (`static ... wrap_w2c_...`),
 * init_globals, an extern function type definition (split modules: the hot code then uses the
 * executable's, so call_indirect's pointer comparison still hits), an export, or the first
 * function. */
#define _GNU_SOURCE
#include "hot_rewrite.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "hot_osr.h"

struct hot_func {
  char *name, *cast;
  unsigned eligible;
  long offset, length;         /* in the store's data */
  long osr_offset, osr_length; /* its OSR variant's (hot_osr.h); length 0: none */
};

struct hot_rewrite {
  char dir[PATH_MAX];
  int nparts, bounds_check;
  const char *unsupported; /* why, or NULL */
  char why[sizeof((struct hot_part *)0)->why];
  size_t nfuncs;
  /* Per part, where its functions' text goes in the store's data (a span as long as the part's
   * C, which holds them: the parts write at once, from workers); region[nparts]: the end. */
  long *region;
  FILE *data; /* the store: its head line, the parts' spans, then headers and index */
  char data_path[2 * PATH_MAX + 64];
  int kept; /* finished: the store stays */
  long prelude_offset, prelude_length;
  int struct_abi;  /* some function takes or returns a struct (multi-value results) */
  int types_array; /* the quick objects define function types as arrays (tcc) */
};

/* One part being instrumented (in a rewrite worker, or in the build's own process). */
struct part_pass {
  FILE *store;  /* at the part's span */
  long pos;     /* the data offset of the next byte written there */
  long end;     /* ... and where its span ends */
  size_t first; /* the module-wide index of the part's first function */
  struct hot_func *funcs;
  size_t nfuncs, capacity;
  struct hot_part *r;
};

/* The types wasm2c 1.0.42 gives wasm values (results and parameters). */
static int known_type(const char *t, size_t n) {
  static const char *const types[] = {"u32",
                                      "u64",
                                      "f32",
                                      "f64",
                                      "v128",
                                      "wasm_rt_funcref_t",
                                      "wasm_rt_externref_t",
                                      "wasm_rt_exnref_t"};
  for (size_t i = 0; i < sizeof types / sizeof *types; i++)
    if (strlen(types[i]) == n && memcmp(t, types[i], n) == 0)
      return 1;
  /* multi-value results: struct wasm_multi_ + one letter per value (i j f d o ...) */
  const char *multi = "struct wasm_multi_";
  size_t m = strlen(multi);
  if (n <= m || memcmp(t, multi, m) != 0)
    return 0;
  for (size_t i = m; i < n; i++)
    if (!((t[i] >= 'a' && t[i] <= 'z') || t[i] == '_'))
      return 0;
  return 1;
}

static int is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

struct signature {
  /* wasm2c's names of C++ functions run to kilobytes (svg-flatten: 4.9 KB) */
  char ret[64], name[16384], cast[8192], args[8192];
  int is_void;
};

/* Parses a definition line "RET w2c_guest_NAME(w2c_guest* instance[, T var_pK]...) {" (no
 * newline); 1 if it is one, 0 if not, and -1 if it is shaped like one but with something we do
 * not know (a type, a parameter name). */
static int parse_definition(const char *line, size_t n, struct signature *s) {
  if (n < 4 || memcmp(line + n - 3, ") {", 3) != 0)
    return 0;
  const char *name = memmem(line, n, " w2c_guest_", 11);
  if (!name || line[0] == ' ' || line[0] == '#' || line[0] == '/')
    return 0;
  size_t ret_len = (size_t)(name - line);
  name++;
  const char *open = name;
  while (open < line + n && is_ident_char(*open))
    open++;
  const char *first = "(w2c_guest* instance";
  if (open >= line + n || strncmp(open, first, strlen(first)) != 0)
    return 0;
  s->is_void = ret_len == 4 && memcmp(line, "void", 4) == 0;
  if (!s->is_void && !known_type(line, ret_len))
    return -1;
  if ((size_t)(open - name) >= sizeof s->name || ret_len >= sizeof s->ret)
    return -1;
  snprintf(s->ret, sizeof s->ret, "%.*s", (int)ret_len, line);
  snprintf(s->name, sizeof s->name, "%.*s", (int)(open - name), name);
  size_t cast_used = (size_t)snprintf(s->cast, sizeof s->cast, "%s (*)(w2c_guest*", s->ret);
  size_t args_used = (size_t)snprintf(s->args, sizeof s->args, "instance");
  const char *p = open + strlen(first), *end = line + n - 3; /* at ") {" */
  for (int k = 0; p < end; k++) {
    if (p[0] != ',' || p[1] != ' ')
      return -1;
    p += 2;
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *param_end = comma ? comma : end;
    const char *space = NULL;
    for (const char *q = param_end - 1; q > p; q--)
      if (*q == ' ') {
        space = q;
        break;
      }
    char want[32];
    int wn = snprintf(want, sizeof want, "var_p%d", k);
    if (!space || !known_type(p, (size_t)(space - p)) || param_end - space - 1 != wn ||
        memcmp(space + 1, want, (size_t)wn) != 0)
      return -1;
    cast_used += (size_t)snprintf(s->cast + cast_used, sizeof s->cast - cast_used, ", %.*s",
                                  (int)(space - p), p);
    args_used += (size_t)snprintf(s->args + args_used, sizeof s->args - args_used, ", %s", want);
    if (cast_used >= sizeof s->cast - 2 || args_used >= sizeof s->args - 1)
      return -1;
    p = param_end;
  }
  snprintf(s->cast + cast_used, sizeof s->cast - cast_used, ")");
  return 1;
}

int hot_rewrite_numbered(const char *line, size_t n) {
  if (n < 4 || line[0] == ' ' || memcmp(line + n - 3, ") {", 3) != 0)
    return 0;
  struct signature *s = malloc(sizeof *s); /* ~32 KB: wasm2c's C++ names */
  int def = s ? parse_definition(line, n, s) : 1;
  free(s);
  return def != 0;
}

/* What a function the hot compile must never take uses: data and element segments (arrays of
 * the executable's that the shared object cannot name), tail calls, exceptions (tags are
 * compared by address), funcref wrappers and function addresses (static in the quick C). */
/* Whether the n bytes at text contain needle: strstr on the span made a string for the while
 * (the text is ours, read into memory, with a byte after it): glibc's strstr is vectorised, its
 * memmem is not, and memmem's twelve scans of every function were a sixth of a CPython build's
 * own time (150 MB of C). */
static int span_contains(char *text, size_t n, const char *needle) {
  char saved = text[n];
  text[n] = 0;
  int found = strstr(text, needle) != NULL;
  text[n] = saved;
  return found;
}

static int eligible(char *body, size_t n) {
  static const char *const unsafe[] = {"data_segment_", "elem_segment_", "tail_call", "tailcallee",
                                       "wasm_tailcall", "wasm_rt_try",   "SETJMP",    "_tag",
                                       "exception",     "wrap_w2c_",     "&w2c_",     "__asm__"};
  for (size_t i = 0; i < sizeof unsafe / sizeof *unsafe; i++)
    if (span_contains(body, n, unsafe[i]))
      return 0;
  return 1;
}

/* Whether the n bytes at text hold wasm2c's FUNC_PROLOGUE line (a wasm function's body). */
static int has_prologue(char *text, size_t n) {
  return span_contains(text, n, "\n  FUNC_PROLOGUE;\n");
}

static int is_prelude_end(const char *line, size_t n) {
  static const char *const starts[] = {"static void init_globals(", "FUNC_TYPE_EXTERN_T(",
                                       "/* export: "};
  for (size_t i = 0; i < sizeof starts / sizeof *starts; i++)
    if (n >= strlen(starts[i]) && memcmp(line, starts[i], strlen(starts[i])) == 0)
      return 1;
  return n > 7 && memcmp(line, "static ", 7) == 0 && memmem(line, n, " wrap_w2c_", 10);
}

/* The store's head line, "wasmaot-hot 2 " and the index's offset in 20 digits: written as a
 * placeholder first, the offset filled in once the index is written after the data. */
enum { STORE_HEAD_LEN = 35 };

/* stdio buffers: one part at a time in a process; each file is closed before its buffer is
 * used again (at the end of hot_rewrite_part). */
static char g_store_buf[1 << 20], g_part_buf[1 << 20];

static void part_path(const struct hot_rewrite *h, int i, char *buf, size_t len) {
  if (h->nparts > 1)
    snprintf(buf, len, "%s/guest_%d.c", h->dir, i);
  else
    snprintf(buf, len, "%s/guest.c", h->dir);
}

struct hot_rewrite *hot_rewrite_begin(const char *dir, int nparts, int bounds_check,
                                      const char *store_path) {
  struct hot_rewrite *h = calloc(1, sizeof *h);
  if (!h)
    return NULL;
  snprintf(h->dir, sizeof h->dir, "%s", dir);
  h->nparts = nparts, h->bounds_check = bounds_check;
  snprintf(h->data_path, sizeof h->data_path, "%s", store_path);
  h->region = calloc((size_t)nparts + 1, sizeof *h->region);
  h->data = fopen(h->data_path, "w+");
  if (!h->region || !h->data || fprintf(h->data, "wasmaot-hot 2 %020d\n", 0) != STORE_HEAD_LEN ||
      fflush(h->data) != 0) {
    h->unsupported = "cannot create the tier-up store";
    return h;
  }
  for (int i = 0; i < nparts; i++) {
    char path[2 * PATH_MAX];
    struct stat st;
    part_path(h, i, path, sizeof path);
    if (stat(path, &st) != 0 || st.st_size > (1L << 40)) {
      h->unsupported = "cannot read the generated C";
      return h;
    }
    h->region[i + 1] = h->region[i] + (long)st.st_size;
  }
  return h;
}

static char *read_whole(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  size_t r;
  while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      char *bigger = realloc(buf, cap * 2 + 1);
      if (!bigger)
        free(buf);
      buf = bigger, cap *= 2;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf || bad) {
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

/* Writes n bytes of the part's text to its span of the store; 0, or -1 past the span. */
static int store_write(struct part_pass *pp, const char *text, size_t n) {
  if (pp->pos + (long)n > pp->end || fwrite(text, 1, n, pp->store) != n)
    return -1;
  pp->pos += (long)n;
  return 0;
}

static int add_func(struct part_pass *pp, const struct signature *s, int ok, long off, long len,
                    long osr_off, long osr_len) {
  if (pp->nfuncs == pp->capacity) {
    size_t cap = pp->capacity ? pp->capacity * 2 : 256;
    struct hot_func *bigger = realloc(pp->funcs, cap * sizeof *bigger);
    if (!bigger)
      return -1;
    pp->funcs = bigger, pp->capacity = cap;
  }
  struct hot_func *f = &pp->funcs[pp->nfuncs];
  f->name = strdup(s->name), f->cast = strdup(s->cast);
  if (strstr(s->cast, "struct "))
    pp->r->struct_abi = 1;
  f->eligible = (unsigned)ok, f->offset = off, f->length = len;
  f->osr_offset = osr_off, f->osr_length = osr_len;
  if (!f->name || !f->cast) {
    free(f->name), free(f->cast);
    return -1;
  }
  pp->nfuncs++;
  return 0;
}

/* Instruments one part into out (see the file comment); the functions' original text goes to
 * the part's span of the store. Returns NULL on success, else why the module is not
 * supported. */
static const char *instrument(struct part_pass *pp, int part, char *src, size_t len, FILE *out) {
  int in_prelude = part == 0;
  long prelude_start = pp->pos;
  fputs("/* wasmaot: in-run tier-up (translator/hot_rewrite.c) */\n"
        "extern void *wasmaot_hot_slot[];\nextern unsigned wasmaot_hot_count[], "
        "wasmaot_hot_calls[];\n"
        "extern void *wasmaot_hot_osr[];\n"
        "extern unsigned wasmaot_hot_threshold;\nvoid wasmaot_hot_trigger(unsigned);\n"
        "#define WASMAOT_HOT_TICK(i) \\\n"
        "  if (++wasmaot_hot_count[i] == wasmaot_hot_threshold) wasmaot_hot_trigger(i)\n",
        out);
  for (char *p = src, *end = src + len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    struct signature s;
    int def = parse_definition(p, n, &s);
    if (def < 0) {
      /* Exports' accessors (`wasm_rt_memory_t* w2c_guest_memory(...)`) are shaped so too;
       * a wasm function (FUNC_PROLOGUE) we cannot read is not. */
      const char *close = strstr(p, "\n}\n");
      if (!close || has_prologue(p, (size_t)(close - p)))
        return "a function definition of a shape not known";
      def = 0;
    }
    if (in_prelude && (def == 1 || is_prelude_end(p, n))) {
      in_prelude = 0;
      pp->r->prelude_offset = prelude_start;
      pp->r->prelude_length = (long)(p - src);
      if (store_write(pp, src, (size_t)(p - src)) != 0)
        return "cannot write the store";
    }
    if (def != 1) {
      fwrite(p, 1, nl ? n + 1 : n, out);
      p += nl ? n + 1 : n;
      continue;
    }
    /* The body: up to the first "}" line at column 0; a wasm function if FUNC_PROLOGUE;. */
    const char *close = strstr(p, "\n}\n");
    if (!close)
      return "a function without its closing brace";
    size_t fn_len = (size_t)(close + 3 - p);
    int is_wasm = has_prologue(p, fn_len);
    int ok = is_wasm && eligible(p, fn_len);
    if (!is_wasm || !ok) {
      if (is_wasm && add_func(pp, &s, 0, 0, 0, 0, 0) != 0)
        return "out of memory";
      fwrite(p, 1, fn_len, out);
      p += fn_len;
      continue;
    }
    size_t index = pp->first + pp->nfuncs;
    long off = pp->pos, osr_off = 0, osr_len = 0;
    struct hot_osr osr;
    hot_osr_prepare(p, fn_len, n + 1, s.ret, s.cast, s.is_void, index, &osr);
    int written = store_write(pp, p, fn_len) == 0;
    if (osr.ok) {
      /* not stored: __hot-compile makes it again from the function's text
       * (hot_rewrite_osr_variant; 87 MB of CPython's 237 MB store were these) */
      osr_off = HOT_OSR_REGENERATE, osr_len = (long)osr.variant_len;
      fputs(osr.frame, out);
    }
    if (!written || add_func(pp, &s, 1, off, (long)fn_len, osr_off, osr_len) != 0) {
      hot_osr_free(&osr);
      return "cannot write the store";
    }
    fwrite(p, 1, n + 1, out);
    if (s.is_void)
      fprintf(out, "  if (wasmaot_hot_slot[%zu]) { ((%s)wasmaot_hot_slot[%zu])(%s); return; }\n",
              index, s.cast, index, s.args);
    else
      fprintf(out, "  if (wasmaot_hot_slot[%zu]) return ((%s)wasmaot_hot_slot[%zu])(%s);\n", index,
              s.cast, index, s.args);
    /* calls apart from loop ticks matter only to a function with loops (an OSR variant:
     * tierup.c's long_call); without loops its count is its calls */
    if (osr.ok)
      fprintf(out, "  wasmaot_hot_calls[%zu]++;\n", index);
    fprintf(out, "  WASMAOT_HOT_TICK(%zu);\n", index);
    for (const char *q = p + n + 1, *fn_end = p + fn_len; q < fn_end;) {
      const char *qnl = memchr(q, '\n', (size_t)(fn_end - q));
      size_t qn = (size_t)(qnl - q);
      fwrite(q, 1, qn, out);
      unsigned long label;
      if (hot_osr_loop_label(q, qn, &label)) {
        fprintf(out, "WASMAOT_HOT_TICK(%zu);", index);
        if (osr.ok)
          fprintf(out, osr.quick_jump, label);
      }
      fputc('\n', out);
      q += qn + 1;
    }
    hot_osr_free(&osr);
    p += fn_len;
  }
  if (in_prelude)
    return "no prelude in part 0";
  /* This part's functions' quick addresses, for wasmaot_hot_quick_table(). */
  fprintf(out, "\nvoid wasmaot_hot_quick_%d(void **table) {\n", part);
  for (size_t i = 0; i < pp->nfuncs; i++)
    fprintf(out, "  table[%zu] = (void *)&%s;\n", pp->first + i, pp->funcs[i].name);
  fputs("}\n", out);
  return ferror(out) || ferror(pp->store) ? "cannot write the instrumented C" : NULL;
}

/* The part's lines of the store's index, into PATH.idx. */
static const char *write_index_lines(const struct part_pass *pp, const char *c_path) {
  char path[2 * PATH_MAX + 8];
  snprintf(path, sizeof path, "%s.idx", c_path);
  FILE *f = fopen(path, "w");
  if (!f)
    return "cannot write the store's index";
  for (size_t i = 0; i < pp->nfuncs; i++) {
    const struct hot_func *fn = &pp->funcs[i];
    fprintf(f, "f %zu %u %ld %ld %ld %ld %s %s\n", pp->first + i, fn->eligible, fn->offset,
            fn->length, fn->osr_offset, fn->osr_length, fn->name, fn->cast);
  }
  return fclose(f) != 0 ? "cannot write the store's index" : NULL;
}

void hot_rewrite_part(const struct hot_rewrite *h, int part, size_t first, struct hot_part *r) {
  memset(r, 0, sizeof *r);
  const char *why = h->unsupported;
  char path[2 * PATH_MAX], out_path[2 * PATH_MAX + 8];
  part_path(h, part, path, sizeof path);
  snprintf(out_path, sizeof out_path, "%s.hot", path);
  struct part_pass pp = {NULL, h->region[part], h->region[part + 1], first, NULL, 0, 0, r};
  size_t len = 0;
  char *src = why ? NULL : read_whole(path, &len);
  FILE *out = src ? fopen(out_path, "w") : NULL;
  pp.store = out ? fopen(h->data_path, "r+") : NULL;
  if (!why && !pp.store) {
    why = "cannot read or write the generated C";
  } else if (!why) {
    setvbuf(out, g_part_buf, _IOFBF, sizeof g_part_buf);
    setvbuf(pp.store, g_store_buf, _IOFBF, sizeof g_store_buf);
    why = fseek(pp.store, STORE_HEAD_LEN + pp.pos, SEEK_SET) != 0
              ? "cannot write the store"
              : instrument(&pp, part, src, len, out);
    if (!why)
      why = write_index_lines(&pp, path);
  }
  if (out && fclose(out) != 0 && !why)
    why = "cannot write the instrumented C";
  if (pp.store && fclose(pp.store) != 0 && !why)
    why = "cannot write the store";
  r->nfuncs = pp.nfuncs;
  if (why)
    snprintf(r->why, sizeof r->why, "%s", why);
  for (size_t i = 0; i < pp.nfuncs; i++)
    free(pp.funcs[i].name), free(pp.funcs[i].cast);
  free(pp.funcs);
  free(src);
}

void hot_rewrite_add(struct hot_rewrite *h, int part, size_t expected, const struct hot_part *r) {
  if (h->unsupported)
    return;
  if (r->why[0]) {
    snprintf(h->why, sizeof h->why, "%s", r->why);
    h->unsupported = h->why;
  } else if (r->nfuncs != expected) {
    h->unsupported = "a part holds other functions than counted";
  }
  h->nfuncs += r->nfuncs;
  h->struct_abi |= r->struct_abi;
  if (part == 0)
    h->prelude_offset = r->prelude_offset, h->prelude_length = r->prelude_length;
}

int hot_rewrite_osr_variant(const char *fn, size_t fn_len, size_t index, char **variant,
                            size_t *variant_len) {
  const char *nl = memchr(fn, '\n', fn_len);
  struct signature *s = malloc(sizeof *s); /* ~32 KB: wasm2c's C++ names */
  *variant = NULL;
  if (!nl || !s || parse_definition(fn, (size_t)(nl - fn), s) != 1) {
    free(s);
    return -1;
  }
  struct hot_osr osr;
  hot_osr_prepare(fn, fn_len, (size_t)(nl - fn) + 1, s->ret, s->cast, s->is_void, index, &osr);
  free(s);
  if (osr.ok && (*variant = malloc(osr.variant_len + 1)) != NULL) {
    memcpy(*variant, osr.variant, osr.variant_len);
    (*variant)[osr.variant_len] = 0;
    *variant_len = osr.variant_len;
  }
  hot_osr_free(&osr);
  return *variant ? 0 : -1;
}

void hot_rewrite_types_array(struct hot_rewrite *h) {
  h->types_array = 1;
}

int hot_rewrite_struct_abi(const struct hot_rewrite *h) {
  return h->struct_abi;
}

int hot_rewrite_supported(const struct hot_rewrite *h, const char **why) {
  if (why)
    *why = h->unsupported;
  return h->unsupported == NULL && h->nfuncs > 0;
}

static int append_file(FILE *to, const char *path, long *length) {
  size_t len;
  char *text = read_whole(path, &len);
  if (!text)
    return -1;
  int ok = fwrite(text, 1, len, to) == len;
  free(text);
  *length = (long)len;
  return ok ? 0 : -1;
}

int hot_rewrite_finish(struct hot_rewrite *h, const char *const headers[], int nheaders, char *err,
                       size_t errlen) {
  /* The headers go into the data too, after the parts' spans; then the index after it. */
  long header_off[4] = {0}, header_len[4] = {0};
  if (fseek(h->data, STORE_HEAD_LEN + h->region[h->nparts], SEEK_SET) != 0)
    return set_error(err, errlen, "tier-up store: cannot write %s", h->data_path);
  for (int i = 0; i < nheaders && i < 4; i++) {
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", h->dir, headers[i]);
    header_off[i] = ftell(h->data) - STORE_HEAD_LEN;
    if (append_file(h->data, path, &header_len[i]) != 0)
      return set_error(err, errlen, "tier-up store: cannot copy %s", headers[i]);
  }
  if (fflush(h->data) != 0)
    return set_error(err, errlen, "tier-up store: cannot write %s", h->data_path);
  /* The instrumented parts over the originals; part 0 gets the tables. */
  for (int i = 0; i < h->nparts; i++) {
    char path[2 * PATH_MAX], hot[2 * PATH_MAX + 8];
    part_path(h, i, path, sizeof path);
    snprintf(hot, sizeof hot, "%s.hot", path);
    if (rename(hot, path) != 0)
      return set_error(err, errlen, "tier-up: cannot rename %s: %s", hot, strerror(errno));
    if (i != 0)
      continue;
    FILE *f = fopen(path, "a");
    if (!f)
      return set_error(err, errlen, "tier-up: cannot append to %s", path);
    fprintf(f,
            "\nvoid *wasmaot_hot_slot[%zu];\nunsigned wasmaot_hot_count[%zu], "
            "wasmaot_hot_calls[%zu];\n"
            "void *wasmaot_hot_osr[%zu];\nconst unsigned wasmaot_hot_nfuncs = %zu;\n",
            h->nfuncs, h->nfuncs, h->nfuncs, h->nfuncs, h->nfuncs);
    for (int k = 1; k < h->nparts; k++)
      fprintf(f, "void wasmaot_hot_quick_%d(void **);\n", k);
    fputs("void wasmaot_hot_quick_table(void **table) {\n", f);
    for (int k = 0; k < h->nparts; k++)
      fprintf(f, "  wasmaot_hot_quick_%d(table);\n", k);
    if (fputs("}\n", f) < 0 || fclose(f) != 0)
      return set_error(err, errlen, "tier-up: cannot append to %s", path);
  }
  /* The index, after the data (written once, where it lies: the data is never copied), and
   * its offset into the head line. */
  FILE *store = h->data;
  long index_at = ftell(store);
  fprintf(store, "bounds %s\ntypes %s\nnfuncs %zu\n", h->bounds_check ? "check" : "guard",
          h->types_array ? "array" : "pointer", h->nfuncs);
  for (int i = 0; i < nheaders && i < 4; i++)
    fprintf(store, "file %s %ld %ld\n", headers[i], header_off[i], header_len[i]);
  fprintf(store, "prelude %ld %ld\n", h->prelude_offset, h->prelude_length);
  for (int i = 0; i < h->nparts; i++) {
    char path[2 * PATH_MAX], idx[2 * PATH_MAX + 8];
    long unused;
    part_path(h, i, path, sizeof path);
    snprintf(idx, sizeof idx, "%s.idx", path);
    if (append_file(store, idx, &unused) != 0)
      return set_error(err, errlen, "tier-up store: cannot copy %s", idx);
    unlink(idx);
  }
  fputs("end\n", store);
  int ok = index_at > 0 && fflush(store) == 0 && fseek(store, 0, SEEK_SET) == 0 &&
           fprintf(store, "wasmaot-hot 2 %020ld\n", index_at) == STORE_HEAD_LEN;
  h->data = NULL;
  if (fclose(store) != 0 || !ok)
    return set_error(err, errlen, "cannot write %s", h->data_path);
  h->kept = 1;
  return 0;
}

void hot_rewrite_free(struct hot_rewrite *h) {
  if (!h)
    return;
  if (h->data)
    fclose(h->data);
  if (!h->kept && h->data_path[0])
    unlink(h->data_path);
  free(h->region);
  free(h);
}
