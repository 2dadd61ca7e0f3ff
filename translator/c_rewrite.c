/* One pass over wasm2c's generated C. See c_rewrite.h.
 *
 * Data segments: what wasm2c 1.0.42 writes, and what we match exactly:
 *
 *   static const u8 data_segment_data_w2c_d0[] = {
 *     0x03, 0x01, 0x04, 0x01, ...
 *   };
 *
 * What replaces it (the bytes appended to guest.data), and once at the end of the file:
 *
 *   __asm__(".set wasmaot_data_segment_data_w2c_d0, wasmaot_data_blob + 0");
 *   extern const u8 data_segment_data_w2c_d0[] __asm__("wasmaot_data_segment_data_w2c_d0")
 *       __attribute__((visibility("hidden")));
 *   ...
 *   __asm__(".pushsection .rodata\n.balign 16\nwasmaot_data_blob:\n"
 *           ".incbin \"guest.data\"\n.popsection");
 *
 * The labels are local to the object (no .globl), so several modules can share an executable
 * (the spec-test runner links many). Top-level asm and -flto partitioning do not mix, so the
 * guest is compiled without -flto (see pipeline.c). Segments are byte arrays read by memcpy:
 * they need no alignment of their own.
 *
 * With `wasm2c --num-outputs` (a guest split into several C files) the arrays are not static
 * (`const u8 data_segment_data_w2c_guest_d0[] = {`: the other files' memory.init may use
 * them, declared extern in guest-impl.h), and the assembler defines that very name, global
 * but hidden (its module name is in it, so modules still do not clash):
 *
 *   __asm__(".globl data_segment_data_w2c_guest_d0\n.hidden data_segment_data_w2c_guest_d0\n"
 *           ".set data_segment_data_w2c_guest_d0, wasmaot_data_blob + 0");
 *
 * Each output file is rewritten on its own, with a blob of its own. */
#define _GNU_SOURCE
#include "error.h"
#include "c_rewrite.h"
#include "hot_rewrite.h"
#include "tcc_fold.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The label of a C file's data blob: local to its object, every segment's symbol an offset
 * from it. */
#define BLOB_LABEL "wasmaot_data_blob"

/* wasm2c 1.0.42 writes every function that makes a tail call a second time, as a "tailcallee"
 * (wasm_tailcall_...), and there splits the declaration of its first declared local: the type
 * is written, then the body's stack variables, then the rest of the declaration at column 0:
 *
 *     u32   u32 var_i0;        <- "u32 " of `u32 var_l1 = 0;`, then "  u32 var_i0;"
 *     f64 var_d1;
 *   var_l1 = 0;
 *
 * which no compiler accepts (found by tests/fuzz/diff; regressions/wasm2c-tailcall-local.wat).
 * Inside a tailcallee, the first line shaped "  TYPE   TYPE var_..." gives the type back to
 * the first column-0 "var_lN = ...;" line ("volatile var_lN = ..." in a function that catches
 * exceptions); nothing else is touched. */
struct tailcallee_fix {
  int inside;         /* between "void wasm_tailcall_..." and the function's closing "}" */
  char held_type[32]; /* the local's type, taken off the stack-variable line */
};

static int plain_identifier(const char *s, size_t n) {
  if (n == 0 || n >= 32)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return 0;
  return 1;
}

/* The text to write for `line`: a repaired copy in buf when it is one of the two broken lines,
 * else `line` itself. */
static const char *fix_tailcallee_line(struct tailcallee_fix *f, char *line, char *buf,
                                       size_t buflen) {
  if (strncmp(line, "void wasm_tailcall_", 19) == 0) {
    f->inside = 1;
    f->held_type[0] = 0;
    return line;
  }
  if (!f->inside)
    return line;
  if (strcmp(line, "}\n") == 0) {
    f->inside = 0;
    return line;
  }
  if (!f->held_type[0] && strncmp(line, "  ", 2) == 0) {
    const char *type = line + 2;
    size_t n = strcspn(type, " ");
    if (plain_identifier(type, n) && strncmp(type + n, "   ", 3) == 0 && type[n + 3] != ' ') {
      snprintf(f->held_type, sizeof f->held_type, "%.*s", (int)n, type);
      snprintf(buf, buflen, "  %s", type + n + 3);
      return buf;
    }
  }
  if (f->held_type[0] &&
      (strncmp(line, "var_l", 5) == 0 || strncmp(line, "volatile var_l", 14) == 0)) {
    snprintf(buf, buflen, "  %s %s", f->held_type, line);
    f->held_type[0] = 0;
    return buf;
  }
  return line;
}

/* wasm2c 1.0.42 puts the label of a try_table's end inside the try_table's catch dispatch:
 *
 *     } else {                                          <- an exception was thrown
 *       wasm_rt_set_unwind_target(var_T2_outer_target);
 *       var_T2:;                                        <- `br` to the try_table lands here...
 *       goto var_L0;                                    <- ...and runs the catch clauses
 *     }
 *
 * so a branch to the try_table's own label behaves as if an exception had been caught (found
 * by tests/fuzz/diff; regressions/wasm2c-br-try-table-label.wat). The label belongs after the
 * else block's closing brace, where the try_table's normal completion also arrives: it is
 * moved there (a stack, for try_tables nested in catch code). */
struct try_label_fix {
  char prev[256]; /* the previous line, when short */
  struct {
    char label[48]; /* "var_T2:;" */
    size_t indent;  /* of the else block's closing brace */
  } held[64];
  int nheld;
};

static const char *fix_try_label_line(struct try_label_fix *f, const char *line, char *buf,
                                      size_t buflen) {
  size_t indent = strspn(line, " ");
  const char *text = line + indent, *result = line;
  size_t n = strcspn(text, ":");
  /* "var_T<digits>:;" right after "wasm_rt_set_unwind_target(var_T<digits>_outer_target);" */
  if (strncmp(text, "var_T", 5) == 0 && n > 5 && n < 40 &&
      strspn(text + 5, "0123456789") == n - 5 && strcmp(text + n, ":;\n") == 0 && indent >= 2 &&
      f->nheld < 64) {
    char expected[128];
    snprintf(expected, sizeof expected, "%*swasm_rt_set_unwind_target(%.*s_outer_target);\n",
             (int)indent, "", (int)n, text);
    if (strcmp(f->prev, expected) == 0) {
      snprintf(f->held[f->nheld].label, sizeof f->held[f->nheld].label, "%.*s:;", (int)n, text);
      f->held[f->nheld++].indent = indent - 2;
      result = "\n";
    }
  } else if (f->nheld && indent == f->held[f->nheld - 1].indent && strcmp(text, "}\n") == 0) {
    f->nheld--;
    /* (lines reach here shorter than 4,000 bytes: see c_rewrite) */
    snprintf(buf, buflen, "%.4000s%*s%.48s /* wasmaot: moved out of the catch dispatch */\n", line,
             (int)(indent & 0xff), "", f->held[f->nheld].label);
    result = buf;
  }
  snprintf(f->prev, sizeof f->prev, "%s", strlen(line) < sizeof f->prev ? line : "");
  return result;
}

/* wasm2c writes f32.neg and f64.neg as C's unary minus on a stack variable:
 *
 *     var_f0 = -(var_f0);        (var_d0 for f64)
 *
 * which tcc 0.9.27 computes by subtraction: a NaN comes out quieted and with its sign kept,
 * where wasm flips the sign bit alone (30 float_exprs/float_misc spec commands failed). For
 * tcc builds these lines flip the bit through a union instead, with helpers written at the top
 * of the file (plain C, so a module that falls back to clang/gcc -O0 compiles them too). */
static const char fneg_helpers[] =
    "/* wasmaot: wasm's fneg flips the sign bit alone (see translator/c_rewrite.c) */\n"
    "static inline float wasmaot_fneg32(float x) {\n"
    "  union { float f; unsigned int u; } v;\n"
    "  v.f = x;\n  v.u ^= 0x80000000u;\n  return v.f;\n}\n"
    "static inline double wasmaot_fneg64(double x) {\n"
    "  union { double f; unsigned long long u; } v;\n"
    "  v.f = x;\n  v.u ^= 0x8000000000000000ull;\n  return v.f;\n}\n";

/* The replacement for `line` if it is one of those negations (into buf), else NULL. */
static const char *fix_fneg_line(const char *line, char *buf, size_t buflen) {
  size_t indent = strspn(line, " ");
  const char *v = line + indent;
  if (strncmp(v, "var_", 4) != 0 || (v[4] != 'f' && v[4] != 'd'))
    return NULL;
  size_t n = 5 + strspn(v + 5, "0123456789");
  if (n == 5 || n > 32)
    return NULL;
  char expected[96];
  snprintf(expected, sizeof expected, "%.*s = -(%.*s);\n", (int)n, v, (int)n, v);
  if (strcmp(v, expected) != 0)
    return NULL;
  snprintf(buf, buflen, "%*s%.*s = wasmaot_fneg%s(%.*s);\n", (int)indent, "", (int)n, v,
           v[4] == 'f' ? "32" : "64", (int)n, v);
  return buf;
}

/* wasm2c's prelude defines FUNC_TYPE_T twice: for gcc and clang, and (#else) for any other
 * compiler, which here is tcc. After that second definition, where only tcc reads, the
 * rewrite includes wasmaot-tcc-inline.h: its macros take the place of the load, store and
 * bit-cast helpers that tcc would otherwise call (it inlines nothing) in every function
 * below. wasm2c writes the prelude into the C file, or into STEM-impl.h when it splits. */
static const char tcc_anchor[] = "#define FUNC_TYPE_T(x) static const char x[]\n";
static const char tcc_include[] =
    "#include \"wasmaot-tcc-inline.h\" /* wasmaot: tcc only (see translator/c_rewrite.c) */\n";

static const char array_prefix[] = "static const u8 data_segment_data_";
static const char array_suffix[] = "[] = {\n";

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The array's identifier if `line` opens a data segment array, else NULL (points into line,
 * NUL-terminated in place); *global says whether it is the non-static array of a split
 * output. */
static char *segment_array_name(char *line, int *global) {
  static const char global_prefix[] = "const u8 data_segment_data_";
  size_t plen;
  if (strncmp(line, array_prefix, sizeof array_prefix - 1) == 0)
    plen = sizeof array_prefix - 1, *global = 0;
  else if (strncmp(line, global_prefix, sizeof global_prefix - 1) == 0)
    plen = sizeof global_prefix - 1, *global = 1;
  else
    return NULL;
  char *name = line + plen - strlen("data_segment_data_");
  char *end = line + plen;
  while (end - name < 200 && ((*end >= 'a' && *end <= 'z') || (*end >= 'A' && *end <= 'Z') ||
                              (*end >= '0' && *end <= '9') || *end == '_'))
    end++;
  if (strcmp(end, array_suffix) != 0)
    return NULL;
  *end = 0;
  return name;
}

/* Appends the bytes of one line ("  0x03, 0x01, ") to the blob. -1 on a malformed line. */
static int copy_hex_line(const char *line, FILE *blob, size_t *count) {
  const char *p = line;
  for (;;) {
    while (*p == ' ' || *p == ',')
      p++;
    if (*p == '\n' || *p == 0)
      return 0;
    int hi, lo;
    if (p[0] != '0' || p[1] != 'x' || (hi = hex_digit(p[2])) < 0 || (lo = hex_digit(p[3])) < 0)
      return -1;
    if (putc(hi << 4 | lo, blob) == EOF)
      return -1;
    (*count)++;
    p += 4;
  }
}

/* The active segments' bytes (data_segments.h), appended to the blob when the file turns out to
 * hold init_memories, and the offset each starts at. */
struct active_fill {
  const struct data_segment *segs;
  size_t n, next; /* next: LOAD_DATA lines filled so far */
  size_t *offsets;
  int inside;  /* between "static void init_memories(" and its closing "}" */
  int started; /* init_memories was seen (once per module) */
  /* The symbols' names: local labels "wasmaot_active_data_K" when the C carries its own
   * assembly; global hidden "wasmaot_STEM_active_K" in a separate assembler file (tcc). */
  char sym_prefix[NAME_MAX + 32];
};

/* Line-start text of the function that loads active segments into memory. */
static const char init_memories_prefix[] = "static void init_memories(";

/* On init_memories' first line: the segments' bytes into the blob, and the declarations of
 * their symbols (defined at the end of the file, from the blob's label). */
static int begin_init_memories(struct active_fill *a, FILE *blob, size_t *total, FILE *out,
                               int separate_asm) {
  a->inside = a->started = 1;
  for (size_t k = 0; k < a->n; k++) {
    a->offsets[k] = *total;
    if (a->segs[k].len && fwrite(a->segs[k].bytes, 1, a->segs[k].len, blob) != a->segs[k].len)
      return -1;
    *total += a->segs[k].len;
    if (fprintf(out, "extern const u8 wasmaot_active_data_%zu[] __asm__(\"%s%zu\")%s;\n", k,
                a->sym_prefix, k,
                separate_asm ? "" : " __attribute__((visibility(\"hidden\")))") < 0)
      return -1;
  }
  return 0;
}

/* Inside init_memories: "  LOAD_DATA(MEM, OFFSET, NULL, 0);" as wasm2c writes it for an
 * emptied segment gets the next segment's bytes back. 1 when line was such a line (written),
 * 0 when not, -1 on a write error or when there are more such lines than segments. */
static int fill_load_data(struct active_fill *a, const char *line, FILE *out) {
  static const char head[] = "  LOAD_DATA(", tail[] = ", NULL, 0);\n";
  size_t n = strlen(line), h = sizeof head - 1, t = sizeof tail - 1;
  if (n < h + t || strncmp(line, head, h) != 0 || strcmp(line + n - t, tail) != 0)
    return 0;
  if (a->next >= a->n)
    return -1;
  size_t k = a->next++;
  return fprintf(out, "%.*s, wasmaot_active_data_%zu, %zu);\n", (int)(n - t), line, k,
                 a->segs[k].len) < 0
             ? -1
             : 1;
}

/* Big stdio buffers for the passes over the C (hundreds of MB for a big module). glibc's
 * setvbuf ignores the size when given no buffer (it kept its 4 KB): these are ours, static,
 * as c_rewrite runs one call at a time in a process and closes its files before it returns. */
static char g_in_buf[1 << 20], g_out_buf[1 << 20], g_blob_buf[1 << 20];

/* The blob, and with asm_path the assembler file that includes it. */
static int open_blob(FILE **blob, const char *blob_path, FILE **as, const char *asm_path, char *err,
                     size_t errlen) {
  if (!(*blob = fopen(blob_path, "wb")))
    return set_error(err, errlen, "cannot write %s: %s", blob_path, strerror(errno));
  setvbuf(*blob, g_blob_buf, _IOFBF, sizeof g_blob_buf);
  if (asm_path && !(*as = fopen(asm_path, "w")))
    return set_error(err, errlen, "cannot write %s: %s", asm_path, strerror(errno));
  return 0;
}
/* What the generated C needs that tcc lacks, from the lines wasm2c writes only for a module
 * that uses it: SIMDe for v128, C11 atomics for atomic operations and shared memories. */
static int line_needs(const char *line) {
  if (line[0] != '#' && !strstr(line, "wasm_rt_shared_memory_t"))
    return 0;
  if (strcmp(line, "#include <simde/wasm/simd128.h>\n") == 0)
    return C_NEEDS_SIMD;
  if (strcmp(line, "#include <stdatomic.h>\n") == 0 || strstr(line, "wasm_rt_shared_memory_t"))
    return C_NEEDS_ATOMICS;
  return 0;
}

int c_rewrite(const char *c_path, const char *blob_path, const char *blob_name,
              const char *asm_path, const struct data_segment *active, size_t nactive,
              struct c_rewrite_stats *stats, char *err, size_t errlen) {
  char tmp_path[PATH_MAX];
  snprintf(tmp_path, sizeof tmp_path, "%s.tmp", c_path);
  FILE *in = fopen(c_path, "r");
  FILE *out = in ? fopen(tmp_path, "w") : NULL;
  FILE *blob = NULL, *as = NULL;
  char *line = NULL;
  /* The symbols of a separate assembler file are global (hidden): named after the blob, whose
   * stem is unique among the objects linked together, so that modules do not clash. */
  int stem_len = (int)strcspn(blob_name, ".");
  size_t cap = 0, total = 0;
  int rc = -1;
  struct tailcallee_fix tailcallee = {0, ""};
  int numbered = 0; /* in a function hot_rewrite numbers, before its FUNC_PROLOGUE line */
  static struct try_label_fix try_labels;
  memset(&try_labels, 0, sizeof try_labels);
  char fixed[4096], moved[4500], negation[160];
  struct active_fill fill = {active, nactive, 0, NULL, 0, 0, ""};
  /* tcc's C gets its function bodies folded into expressions (tcc_fold.h); every line that may
   * be inside a function goes through it */
  struct tcc_fold *fold = NULL;
  if (asm_path && !(fold = tcc_fold_new())) {
    set_error(err, errlen, "out of memory");
    goto out;
  }
  if (asm_path)
    snprintf(fill.sym_prefix, sizeof fill.sym_prefix, "wasmaot_%.*s_active_", stem_len, blob_name);
  else
    snprintf(fill.sym_prefix, sizeof fill.sym_prefix, "wasmaot_active_data_");
  stats->data_bytes = 0;
  stats->active_filled = 0;
  stats->asm_written = 0;
  stats->needs = 0;
  stats->wasm_funcs = 0;
  if (nactive && !(fill.offsets = calloc(nactive, sizeof *fill.offsets))) {
    set_error(err, errlen, "out of memory");
    goto out;
  }
  if (!out) {
    set_error(err, errlen, "cannot rewrite %s: %s", c_path, strerror(errno));
    goto out;
  }
  /* Large buffers: the input of a module with big segments is hundreds of MB of text. */
  setvbuf(in, g_in_buf, _IOFBF, sizeof g_in_buf);
  setvbuf(out, g_out_buf, _IOFBF, sizeof g_out_buf);
  if (asm_path && fputs(fneg_helpers, out) == EOF)
    goto write_error;
  while (getline(&line, &cap, in) > 0) {
    /* wasm2c 1.0.42's tail-call trampoline in a function's normal (non-tail-callee) version
     * declares the instance slot uninitialised and fills it only when the target is an import:
     * a return_call to one of the module's own functions then runs it on whatever the C stack
     * held as its instance (WebAssembly/wabt#2831, fixed upstream by #2857 after 1.0.42).
     * Every such declaration is in a function with `instance` in scope: start the slot there. */
    const char *decl = line + strspn(line, " ");
    if (strcmp(decl, "void *instance_ptr_storage;\n") == 0) {
      char started[256];
      int n = snprintf(started, sizeof started,
                       "%.*svoid *instance_ptr_storage = instance; /* wasmaot: wabt#2831 */\n",
                       (int)(decl - line) < 128 ? (int)(decl - line) : 128, line);
      if (fold ? tcc_fold_line(fold, started, (size_t)n, out) != 0 : fputs(started, out) == EOF)
        goto write_error;
      continue;
    }
    stats->needs |= line_needs(line);
    if (line[0] != ' ' && line[0] != '\n') {
      size_t n = strlen(line);
      numbered = line[n - 1] == '\n' && hot_rewrite_numbered(line, n - 1);
    } else if (numbered && strcmp(line, "  FUNC_PROLOGUE;\n") == 0) {
      stats->wasm_funcs++;
      numbered = 0;
    }
    if (nactive && !fill.started &&
        strncmp(line, init_memories_prefix, sizeof init_memories_prefix - 1) == 0) {
      if (!blob && open_blob(&blob, blob_path, &as, asm_path, err, errlen) != 0)
        goto out;
      if (begin_init_memories(&fill, blob, &total, out, asm_path != NULL) != 0)
        goto write_error;
    } else if (fill.inside && strcmp(line, "}\n") == 0) {
      fill.inside = 0;
    } else if (fill.inside) {
      int r = fill_load_data(&fill, line, out);
      if (r < 0) {
        set_error(err, errlen, "generated C loads more active data segments than the module has");
        goto out;
      }
      if (r > 0)
        continue;
    }
    int global;
    char *found = segment_array_name(line, &global);
    if (!found) {
      const char *text = line;
      if (strlen(line) < 4000) {
        text = fix_tailcallee_line(&tailcallee, line, fixed, sizeof fixed);
        text = fix_try_label_line(&try_labels, text, moved, sizeof moved);
        const char *negated = asm_path ? fix_fneg_line(text, negation, sizeof negation) : NULL;
        if (negated)
          text = negated;
      }
      if ((fold ? tcc_fold_line(fold, text, strlen(text), out) != 0 : fputs(text, out) == EOF) ||
          (strcmp(line, tcc_anchor) == 0 && fputs(tcc_include, out) == EOF))
        goto write_error;
      continue;
    }
    if (!blob && open_blob(&blob, blob_path, &as, asm_path, err, errlen) != 0)
      goto out;
    char name[256]; /* copied: `line` is reused for the array's body */
    snprintf(name, sizeof name, "%s", found);
    size_t start = total;
    int closed = 0;
    while (getline(&line, &cap, in) > 0) {
      if (strcmp(line, "};\n") == 0) {
        closed = 1;
        break;
      }
      if (copy_hex_line(line, blob, &total) != 0) {
        set_error(err, errlen, "unexpected data segment line in generated C (%s)", name);
        goto out;
      }
    }
    if (!closed) {
      set_error(err, errlen, "unterminated data segment %s in generated C", name);
      goto out;
    }
    int w;
    if (as) { /* the symbol in the assembler file; the C declares it (split: guest-impl.h) */
      char sym[320];
      if (global)
        snprintf(sym, sizeof sym, "%s", name);
      else
        snprintf(sym, sizeof sym, "wasmaot_%.*s_%s", stem_len, blob_name, name);
      w = fprintf(out, "/* %zu bytes of data, moved by wasmaot into %s at offset %zu */\n",
                  total - start, blob_name, start);
      if (w >= 0 && !global)
        w = fprintf(out, "extern const u8 %s[] __asm__(\"%s\");\n", name, sym);
      if (w >= 0 && fprintf(as, ".globl %s\n.hidden %s\n.set %s, " BLOB_LABEL " + %zu\n", sym, sym,
                            sym, start) < 0)
        w = -1;
    } else if (global) /* declared extern in guest-impl.h: define that name, hidden */
      w = fprintf(out,
                  "/* %zu bytes of data, moved by wasmaot into %s at offset %zu */\n"
                  "__asm__(\".globl %s\\n.hidden %s\\n.set %s, " BLOB_LABEL " + %zu\");\n",
                  total - start, blob_name, start, name, name, name, start);
    else
      w = fprintf(out,
                  "/* %zu bytes of data, moved by wasmaot into %s at offset %zu */\n"
                  "__asm__(\".set wasmaot_%s, " BLOB_LABEL " + %zu\");\n"
                  "extern const u8 %s[] __asm__(\"wasmaot_%s\") "
                  "__attribute__((visibility(\"hidden\")));\n",
                  total - start, blob_name, start, name, start, name, name);
    if (w < 0)
      goto write_error;
  }
  /* getline also stops on ENOMEM (a line too long for memory): that is no end of file, and
   * a silently shortened C file must not go on to the compiler. */
  if (ferror(in) || !feof(in)) {
    set_error(err, errlen, "cannot read %s", c_path);
    goto out;
  }
  if (fold && tcc_fold_finish(fold, out) != 0)
    goto write_error;
  for (size_t k = 0; k < fill.next; k++) {
    const char *sym = fill.sym_prefix;
    if (as ? fprintf(as, ".globl %s%zu\n.hidden %s%zu\n.set %s%zu, " BLOB_LABEL " + %zu\n", sym, k,
                     sym, k, sym, k, fill.offsets[k]) < 0
           : fprintf(out, "__asm__(\".set %s%zu, " BLOB_LABEL " + %zu\");\n", sym, k,
                     fill.offsets[k]) < 0)
      goto write_error;
  }
  /* The file's data, all of it, once: one .incbin per segment made clang-16's integrated
   * assembler hold ~70 KB per segment (1.6 GB for CPython's 24,171 segments; gas 45 MB). */
  if (as && fprintf(as,
                    ".section .rodata\n.balign 16\n" BLOB_LABEL ":\n.incbin \"%s\"\n"
                    /* without this note ld takes the object to need an executable stack */
                    ".section .note.GNU-stack,\"\",@progbits\n",
                    blob_name) < 0)
    goto write_error;
  if (!as && blob &&
      fprintf(out,
              "__asm__(\".pushsection .rodata\\n.balign 16\\n" BLOB_LABEL ":\\n\"\n"
              "        \".incbin \\\"%s\\\"\\n.popsection\");\n",
              blob_name) < 0)
    goto write_error;
  if (fclose(out) != 0) {
    out = NULL;
    goto write_error;
  }
  out = NULL;
  if (blob) {
    int bad = fclose(blob) != 0;
    blob = NULL;
    if (as && fclose(as) != 0)
      bad = 1;
    as = NULL;
    if (bad) {
      set_error(err, errlen, "cannot write %s (disk full?)", blob_path);
      goto out;
    }
    stats->asm_written = asm_path != NULL;
  }
  if (rename(tmp_path, c_path) != 0) {
    set_error(err, errlen, "cannot rewrite %s: %s", c_path, strerror(errno));
    goto out;
  }
  stats->data_bytes = total;
  stats->active_filled = fill.next;
  rc = 0;
  goto out;
write_error:
  set_error(err, errlen, "cannot write %s (disk full?)", tmp_path);
out:
  tcc_fold_free(fold);
  free(line);
  free(fill.offsets);
  if (in)
    fclose(in);
  if (out)
    fclose(out);
  if (blob)
    fclose(blob);
  if (as)
    fclose(as);
  if (rc != 0) {
    unlink(tmp_path);
    if (asm_path)
      unlink(asm_path);
  }
  return rc;
}

int c_rewrite_header(const char *h_path, int *needs, char *err, size_t errlen) {
  FILE *f = fopen(h_path, "r");
  if (!f)
    return set_error(err, errlen, "cannot read %s: %s", h_path, strerror(errno));
  char *text = NULL;
  size_t cap = 0;
  ssize_t n = getdelim(&text, &cap, '\0', f); /* the whole header: a few KB to a few MB */
  int read_failed = n < 0 && ferror(f);
  fclose(f);
  if (read_failed) {
    free(text);
    return set_error(err, errlen, "cannot read %s", h_path);
  }
  if (needs && text) {
    if (strstr(text, "v128 ") || strstr(text, "simde"))
      *needs |= C_NEEDS_SIMD;
    if (strstr(text, "wasm_rt_shared_memory_t") || strstr(text, "#include <stdatomic.h>"))
      *needs |= C_NEEDS_ATOMICS;
    if (strstr(text, "\nstruct wasm_multi_"))
      *needs |= C_NEEDS_MULTI_VALUE_ABI;
  }
  static const char anchor[] = "#include \"wasm-rt.h\"\n";
  char *at = text ? strstr(text, anchor) : NULL;
  if (at && (!strstr(text, "v128 ") || strstr(text, "WASM_RT_SIMD_TYPE_DEFINED")))
    at = NULL;
  char *tcc_at = text ? strstr(text, tcc_anchor) : NULL;
  if (!at && !tcc_at) {
    free(text);
    return 0;
  }
  char tmp_path[PATH_MAX];
  snprintf(tmp_path, sizeof tmp_path, "%s.tmp", h_path);
  FILE *out = fopen(tmp_path, "w");
  /* The SIMD definition (near the top) and the tcc include (after the prelude), in order. */
  size_t head = at ? (size_t)(at - text) + sizeof anchor - 1 : 0;
  size_t tail = tcc_at ? (size_t)(tcc_at - text) + sizeof tcc_anchor - 1 : (size_t)n;
  if (tail < head)
    tail = head;
  int ok = out && fwrite(text, 1, head, out) == head &&
           (!at || fputs("/* wasmaot: v128 is used below; wasm2c defines it only in the .c */\n"
                         "#include <simde/wasm/simd128.h>\n"
                         "#ifndef WASM_RT_SIMD_TYPE_DEFINED\n#define WASM_RT_SIMD_TYPE_DEFINED\n"
                         "typedef simde_v128_t v128;\n#endif\n",
                         out) != EOF) &&
           fwrite(text + head, 1, tail - head, out) == tail - head &&
           (!tcc_at || fputs(tcc_include, out) != EOF) && fputs(text + tail, out) != EOF;
  free(text);
  if (out && fclose(out) != 0)
    ok = 0;
  if (!ok || rename(tmp_path, h_path) != 0) {
    unlink(tmp_path);
    return set_error(err, errlen, "cannot rewrite %s (disk full?)", h_path);
  }
  return 0;
}
