/* On-stack replacement at loop headers, for in-run tier-up (hot_osr.h). What wasm2c 1.0.42
 * writes at the head of a function, and what we match exactly (else: no OSR for it):
 *
 *   u32 w2c_guest_f(w2c_guest* instance, u32 var_p0) {
 *     u32 var_l1 = 0, var_l2 = 0, ...,          locals, possibly continued on lines that
 *         var_l9 = 0;                           start with more spaces
 *     FUNC_PROLOGUE;
 *     uint8_t* const wasm_rt_local_memory_base = ...;     (with a memory)
 *     uint64_t wasm_rt_local_memory_size = ...;
 *     (void)wasm_rt_local_memory_base;
 *     (void)wasm_rt_local_memory_size;
 *     u32 var_i0, var_i1, ...;                  the value stack's temporaries
 *     <body>                                    no declaration of a var_ at any depth
 *
 * Every C variable of the function is then a parameter, a local or a temporary: their values at
 * a loop label are the whole state, and the frame struct carries them. */
#define _GNU_SOURCE
#include "hot_osr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const value_types[] = {
    "u32", "u64", "f32", "f64", "v128", "wasm_rt_funcref_t", "wasm_rt_externref_t"};

/* The value type a declaration line starts with after `indent` spaces ("TYPE var_"), or NULL. */
static const char *declared_type(const char *line, size_t n, size_t indent) {
  for (size_t i = 0; i < indent; i++)
    if (i >= n || line[i] != ' ')
      return NULL;
  for (size_t t = 0; t < sizeof value_types / sizeof *value_types; t++) {
    size_t tl = strlen(value_types[t]);
    if (n >= indent + tl + 5 && memcmp(line + indent, value_types[t], tl) == 0 &&
        memcmp(line + indent + tl, " var_", 5) == 0)
      return value_types[t];
  }
  return NULL;
}

static int starts(const char *line, size_t n, const char *prefix) {
  return n >= strlen(prefix) && memcmp(line, prefix, strlen(prefix)) == 0;
}

/* Adds the variables declared in text (after the type: "var_a = 0, var_b = 0" or "var_a,
 * var_b") to the frame's fields and restore statements. 0, or -1 if a name is not var_xN. */
static int add_declared(const char *type, const char *text, size_t n, FILE *fields, FILE *restore,
                        FILE *names) {
  for (const char *p = text, *end = text + n; p < end;) {
    const char *var = memmem(p, (size_t)(end - p), "var_", 4);
    if (!var)
      break;
    const char *q = var + 4;
    if (q >= end || !(*q >= 'a' && *q <= 'z'))
      return -1;
    q++;
    const char *digits = q;
    while (q < end && *q >= '0' && *q <= '9')
      q++;
    if (q == digits)
      return -1;
    int len = (int)(q - var);
    fprintf(fields, " %s %.*s;", type, len, var);
    fprintf(restore, "  %.*s = wasmaot_frame->%.*s;\n", len, var, len, var);
    fprintf(names, ", %.*s", len, var);
    /* the next declarator starts after ", " at this level: skip an initialiser (which may
     * hold commas, as simde_wasm_i64x2_make(0, 0)) by looking for ", var_" */
    const char *next = memmem(q, (size_t)(end - q), ", var_", 6);
    if (!next)
      break;
    p = next + 2;
  }
  return 0;
}

int hot_osr_loop_label(const char *line, size_t n, unsigned long *label) {
  size_t i = 0;
  while (i < n && line[i] == ' ')
    i++;
  if (i == 0 || n - i < 8 || memcmp(line + i, "var_L", 5) != 0)
    return 0;
  i += 5;
  size_t digits = i;
  unsigned long v = 0;
  while (i < n && line[i] >= '0' && line[i] <= '9' && i - digits < 9)
    v = v * 10 + (unsigned long)(line[i++] - '0');
  if (i == digits || n - i != 2 || line[i] != ':' || line[i + 1] != ' ')
    return 0;
  *label = v;
  return 1;
}

int hot_osr_prepare(const char *fn, size_t fn_len, size_t def_len, const char *ret,
                    const char *cast, int is_void, size_t index, struct hot_osr *o) {
  memset(o, 0, sizeof *o);
  char *fields_buf = NULL, *restore_buf = NULL, *names_buf = NULL;
  size_t fields_len = 0, restore_len = 0, names_len = 0;
  FILE *fields = open_memstream(&fields_buf, &fields_len);
  FILE *restore = open_memstream(&restore_buf, &restore_len);
  FILE *names = open_memstream(&names_buf, &names_len);
  int ok = fields && restore && names;
  /* The parameters, from the cast "RET (*)(w2c_guest*, T0, T1)": var_p0, var_p1, ... */
  const char *p = strstr(cast, "(w2c_guest*");
  int k = 0;
  FILE *params = NULL;
  char *params_buf = NULL;
  size_t params_len = 0;
  params = open_memstream(&params_buf, &params_len);
  ok = ok && p && params;
  for (p = p ? p + strlen("(w2c_guest*") : NULL; ok && p && *p == ','; k++) {
    p += 2;
    const char *e = p + strcspn(p, ",)");
    fprintf(fields, " %.*s var_p%d;", (int)(e - p), p, k);
    fprintf(params, "  %.*s var_p%d = wasmaot_frame->var_p%d;\n", (int)(e - p), p, k, k);
    fprintf(names, ", var_p%d", k);
    p = e;
  }
  /* The head: declarations, the prologue, the memory's locals. */
  const char *q = fn + def_len, *end = fn + fn_len;
  const char *decl_type = NULL; /* inside a declaration that goes on to the next line */
  while (ok && q < end) {
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    size_t n = nl ? (size_t)(nl - q) : (size_t)(end - q);
    const char *type = declared_type(q, n, 2);
    if (decl_type && n > 6 && starts(q, n, "      ")) {
      ok = add_declared(decl_type, q, n, fields, restore, names) == 0;
    } else if (type) {
      ok = add_declared(type, q + 2 + strlen(type), n - 2 - strlen(type), fields, restore, names) ==
           0;
      decl_type = type;
    } else if (starts(q, n, "  FUNC_PROLOGUE;") ||
               starts(q, n, "  uint8_t* const wasm_rt_local_memory_base = ") ||
               starts(q, n, "  uint64_t wasm_rt_local_memory_size = ") ||
               starts(q, n, "  (void)wasm_rt_local_memory_")) {
      decl_type = NULL;
    } else {
      break; /* the body */
    }
    if (n == 0 || q[n - 1] == ';')
      decl_type = NULL;
    q += n + 1;
  }
  size_t body = (size_t)(q - fn);
  /* The body: no declaration of a var_ at any depth; its loop labels. */
  FILE *cases = NULL;
  char *cases_buf = NULL;
  size_t cases_len = 0;
  cases = open_memstream(&cases_buf, &cases_len);
  ok = ok && cases;
  int labels = 0;
  while (ok && q < end) {
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    size_t n = nl ? (size_t)(nl - q) : (size_t)(end - q);
    size_t indent = 0;
    while (indent < n && q[indent] == ' ')
      indent++;
    if (indent >= 2 && declared_type(q, n, indent))
      ok = 0;
    unsigned long label;
    if (hot_osr_loop_label(q, n, &label)) {
      fprintf(cases, "    case %lu: goto var_L%lu;\n", label, label);
      labels++;
    }
    q += n + 1;
  }
  if (fields)
    fclose(fields);
  if (restore)
    fclose(restore);
  if (names)
    fclose(names);
  if (params)
    fclose(params);
  if (cases)
    fclose(cases);
  ok = ok && labels > 0 && fields_buf && restore_buf && names_buf && params_buf && cases_buf;
  if (ok) {
    FILE *s = open_memstream(&o->frame, &(size_t){0});
    if (s) {
      fprintf(s, "struct wasmaot_frame_%zu {%s };\n", index, fields_buf);
      fclose(s);
    }
    s = open_memstream(&o->variant, &o->variant_len);
    if (s && o->frame) {
      fputs(o->frame, s);
      fprintf(s,
              "static %s wasmaot_osr_%zu(w2c_guest* instance, unsigned wasmaot_osr_label, "
              "const struct wasmaot_frame_%zu* wasmaot_frame) {\n",
              ret, index, index);
      fwrite(fn + def_len, 1, body - def_len, s);
      fputs(params_buf, s);
      fputs(restore_buf, s);
      fprintf(s,
              "  switch (wasmaot_osr_label) {\n%s    default: "
              "wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);\n  }\n",
              cases_buf);
      fwrite(fn + body, 1, fn_len - body, s);
      fclose(s);
    }
    /* The quick side, after a loop label's tick: the state into a frame, and the rest of the
     * call in the hot variant (the quick frame's own epilogue, then return its result). */
    char result[96] = "";
    if (!is_void)
      snprintf(result, sizeof result, "%s wasmaot_r = ", ret);
    s = open_memstream(&o->quick_jump, &(size_t){0});
    if (s) {
      fprintf(s,
              " if (wasmaot_hot_osr[%zu]) { struct wasmaot_frame_%zu wasmaot_f = {%s}; "
              "%s((%s (*)(w2c_guest*, unsigned, const struct wasmaot_frame_%zu*))"
              "wasmaot_hot_osr[%zu])(instance, %%lu, &wasmaot_f); FUNC_EPILOGUE; return%s; }",
              index, index, names_buf + 2, result, ret, index, index, is_void ? "" : " wasmaot_r");
      fclose(s);
    }
    o->ok = o->frame && o->variant && o->quick_jump;
  }
  free(fields_buf), free(restore_buf), free(names_buf), free(params_buf), free(cases_buf);
  if (!o->ok)
    hot_osr_free(o);
  return o->ok;
}

void hot_osr_free(struct hot_osr *o) {
  free(o->frame), free(o->variant), free(o->quick_jump);
  memset(o, 0, sizeof *o);
}
