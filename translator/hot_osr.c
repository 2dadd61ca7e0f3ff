/* On-stack replacement for in-run tier-up. See hot_osr.h.
 *
 * What wasm2c 1.0.42 writes at the top of a function, and what we match exactly:
 *
 *   u32 w2c_guest_f(w2c_guest* instance, u32 var_p0, f64 var_p1) {
 *     u32 var_l2 = 0, var_l3 = 0, ..., var_l14 = 0,        locals, zeroed; long lists go on
 *         var_l15 = 0;                                     on lines indented by 6
 *     f64 var_l4 = 0;
 *     FUNC_PROLOGUE;
 *     uint8_t* const wasm_rt_local_memory_base = ...;      (functions that touch memory)
 *     uint64_t wasm_rt_local_memory_size = ...;
 *     (void)wasm_rt_local_memory_base;
 *     (void)wasm_rt_local_memory_size;
 *     u32 var_i0, var_i1;                                  the stack's temporaries
 *     f64 var_d0;
 *     ...statements...
 *
 * The memory base and size are not state: both are read again from the instance on entry
 * (memory only grows, and the size is only a cached bound). */
#define _GNU_SOURCE
#include "hot_osr.h"

#include <stdlib.h>
#include <string.h>

static const char *const value_types[] = {"u32",
                                          "u64",
                                          "f32",
                                          "f64",
                                          "v128",
                                          "wasm_rt_funcref_t",
                                          "wasm_rt_externref_t",
                                          "wasm_rt_exnref_t"};

/* The known type `line` starts with, followed by a space; NULL if none. */
static const char *type_at(const char *p, size_t n) {
  for (size_t i = 0; i < sizeof value_types / sizeof *value_types; i++) {
    size_t t = strlen(value_types[i]);
    if (n > t && memcmp(p, value_types[i], t) == 0 && p[t] == ' ')
      return value_types[i];
  }
  return NULL;
}

static int ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int add_var(struct hot_osr *o, size_t *cap, const char *type, const char *name, size_t n) {
  if (n < 5 || n >= sizeof o->vars[0].name || memcmp(name, "var_", 4) != 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!ident_char(name[i]))
      return 0;
  if (o->nvars == *cap) {
    size_t c = *cap ? *cap * 2 : 32;
    struct hot_osr_var *v = realloc(o->vars, c * sizeof *v);
    if (!v)
      return -1;
    o->vars = v, *cap = c;
  }
  snprintf(o->vars[o->nvars].type, sizeof o->vars[0].type, "%s", type);
  snprintf(o->vars[o->nvars].name, sizeof o->vars[0].name, "%.*s", (int)n, name);
  o->nvars++;
  return 1;
}

/* The declarators of a declaration line after its type: "var_a = 0, var_b" up to ";" (1) or
 * a trailing ", " that continues on the next line (2); 0 if shaped otherwise, -1 on OOM. */
static int declarators(struct hot_osr *o, size_t *cap, const char *type, const char *p, size_t n) {
  const char *end = p + n;
  for (;;) {
    const char *name = p;
    while (p < end && ident_char(*p))
      p++;
    int r = add_var(o, cap, type, name, (size_t)(p - name));
    if (r <= 0)
      return r;
    if (p + 4 <= end && memcmp(p, " = ", 3) == 0) { /* an initialiser: a plain token */
      p += 3;
      while (p < end && ident_char(*p))
        p++;
    }
    if (p + 1 == end && *p == ';')
      return 1;
    if (p + 2 == end && memcmp(p, ", ", 2) == 0)
      return 2;
    if (p + 2 < end && memcmp(p, ", ", 2) == 0) {
      p += 2;
      continue;
    }
    return 0;
  }
}

static int starts(const char *p, size_t n, const char *s) {
  size_t k = strlen(s);
  return n >= k && memcmp(p, s, k) == 0;
}

int hot_osr_parse(const char *fn, size_t len, struct hot_osr *o) {
  memset(o, 0, sizeof *o);
  size_t cap = 0;
  const char *nl = memchr(fn, '\n', len);
  if (!nl)
    return 0;
  /* The parameters: ", TYPE var_pK" after "(w2c_guest* instance", up to ") {". */
  const char *head = memmem(fn, (size_t)(nl - fn), "(w2c_guest* instance", 20);
  if (!head || nl - fn < 3 || memcmp(nl - 3, ") {", 3) != 0)
    return 0;
  const char *p = head + 20, *pend = nl - 3;
  while (p < pend) {
    if (!starts(p, (size_t)(pend - p), ", "))
      goto no;
    p += 2;
    const char *type = type_at(p, (size_t)(pend - p));
    if (!type)
      goto no;
    p += strlen(type) + 1;
    const char *name = p;
    while (p < pend && ident_char(*p))
      p++;
    int r = add_var(o, &cap, type, name, (size_t)(p - name));
    if (r < 0)
      goto oom;
    if (r == 0)
      goto no;
  }
  /* The declarations, up to the first statement. */
  const char *line = nl + 1, *end = fn + len, *cont_type = NULL;
  int prologue = 0;
  while (line < end) {
    const char *lnl = memchr(line, '\n', (size_t)(end - line));
    if (!lnl)
      goto no;
    size_t n = (size_t)(lnl - line);
    const char *type;
    int r;
    if (cont_type && starts(line, n, "      var_")) {
      r = declarators(o, &cap, cont_type, line + 6, n - 6);
    } else if (starts(line, n, "  ") && (type = type_at(line + 2, n - 2)) &&
               starts(line + 2 + strlen(type) + 1, n - 2 - strlen(type) - 1, "var_")) {
      cont_type = type;
      r = declarators(o, &cap, type, line + 3 + strlen(type), n - 3 - strlen(type));
    } else if (starts(line, n, "  FUNC_PROLOGUE;") && n == 16) {
      prologue = 1, r = 1;
    } else if (starts(line, n, "  uint8_t* const wasm_rt_") ||
               starts(line, n, "  uint64_t wasm_rt_") || starts(line, n, "  (void)wasm_rt_")) {
      r = 1;
    } else {
      break;
    }
    if (r < 0)
      goto oom;
    if (r == 0)
      goto no;
    if (r == 1)
      cont_type = NULL;
    line = lnl + 1;
  }
  if (!prologue || cont_type || line >= end)
    goto no;
  o->body_at = (size_t)(line - fn);
  /* A variable declared further down (inside a block) would be state the struct misses, and
   * a jump past its initialiser would leave it unset: no OSR for such a function. */
  for (const char *q = line; q < end;) {
    const char *qnl = memchr(q, '\n', (size_t)(end - q));
    size_t n = qnl ? (size_t)(qnl - q) : (size_t)(end - q), sp = 0;
    while (sp < n && q[sp] == ' ')
      sp++;
    if (type_at(q + sp, n - sp) || starts(q + sp, n - sp, "struct ") ||
        starts(q + sp, n - sp, "volatile ") || starts(q + sp, n - sp, "const "))
      goto no;
    q += n + 1;
  }
  return 1;
no:
  hot_osr_free(o);
  return 0;
oom:
  hot_osr_free(o);
  return -1;
}

void hot_osr_free(struct hot_osr *o) {
  free(o->vars);
  memset(o, 0, sizeof *o);
}

int hot_osr_write_struct(FILE *out, const struct hot_osr *o, size_t index) {
  fprintf(out, "struct wasmaot_osr_%zu {", index);
  for (size_t i = 0; i < o->nvars; i++)
    fprintf(out, " %s %s;", o->vars[i].type, o->vars[i].name);
  return fputs(" };\n", out) < 0 ? -1 : 0;
}

int hot_osr_write_hook(FILE *out, const struct hot_osr *o, size_t index, const char *label,
                       const char *ret) {
  int is_void = strcmp(ret, "void") == 0;
  fprintf(out, " if (wasmaot_osr_slot[%zu]) { const struct wasmaot_osr_%zu st = {", index, index);
  for (size_t i = 0; i < o->nvars; i++)
    fprintf(out, "%s%s", i ? ", " : "", o->vars[i].name);
  fprintf(out,
          "}; %s%s((%s (*)(w2c_guest*, unsigned, const struct wasmaot_osr_%zu*))"
          "wasmaot_osr_slot[%zu])(instance, %su, &st); FUNC_EPILOGUE; return%s; }",
          is_void ? "" : ret, is_void ? "" : " r = ", ret, index, index, label,
          is_void ? "" : " r");
  return 0;
}

int hot_osr_label(const char *line, size_t n, char *buf, size_t buflen) {
  size_t i = 0;
  while (i < n && line[i] == ' ')
    i++;
  if (i == 0 || n - i < 8 || memcmp(line + i, "var_L", 5) != 0)
    return 0;
  i += 5;
  size_t digits = i;
  while (i < n && line[i] >= '0' && line[i] <= '9')
    i++;
  if (i == digits || i - digits >= buflen || n - i != 2 || line[i] != ':' || line[i + 1] != ' ')
    return 0;
  snprintf(buf, buflen, "%.*s", (int)(i - digits), line + digits);
  return 1;
}

int hot_osr_write_entry(FILE *out, const struct hot_osr *o, size_t index, const char *fn,
                        size_t len, const char *ret) {
  fprintf(out,
          "static %s wasmaot_osr_entry_%zu(w2c_guest* instance, unsigned wasmaot_osr_at, "
          "const struct wasmaot_osr_%zu* wasmaot_osr_st) {\n",
          ret, index, index);
  for (size_t i = 0; i < o->nvars && strncmp(o->vars[i].name, "var_p", 5) == 0; i++)
    fprintf(out, "  %s %s;\n", o->vars[i].type, o->vars[i].name);
  const char *nl = memchr(fn, '\n', len);
  size_t decl_from = (size_t)(nl - fn) + 1;
  fwrite(fn + decl_from, 1, o->body_at - decl_from, out);
  for (size_t i = 0; i < o->nvars; i++)
    fprintf(out, "  %s = wasmaot_osr_st->%s;\n", o->vars[i].name, o->vars[i].name);
  fputs("  switch (wasmaot_osr_at) {\n", out);
  for (const char *line = fn + o->body_at, *end = fn + len; line < end;) {
    const char *lnl = memchr(line, '\n', (size_t)(end - line));
    size_t n = lnl ? (size_t)(lnl - line) : (size_t)(end - line);
    char label[16];
    if (hot_osr_label(line, n, label, sizeof label))
      fprintf(out, "  case %su: goto var_L%s;\n", label, label);
    line += n + 1;
  }
  fputs("  default: wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);\n  }\n", out);
  return fwrite(fn + o->body_at, 1, len - o->body_at, out) != len - o->body_at ? -1 : 0;
}
