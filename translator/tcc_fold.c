/* Expression folding for tcc (tcc_fold.h). What is matched, in a function body of wasm2c
 * 1.0.42's C (one statement per line), and why the folded C means the same:
 *
 * Held back ("pending"): `T = E;` and `T op= E;` where T is a temporary (var_iN, var_jN,
 * var_fN, var_dN: wasm's operand stack as u32, u64, f32, f64) or a local declared with one of
 * those types (var_lN; wasm built without optimisation puts every value in a fresh local),
 * and E is made only of variables,
 * number literals, casts to wasm2c's scalar types, arithmetic, comparison and bit operators,
 * `?:`, wasm2c's load helpers on the local memory base (tcc: wasmaot-tcc-inline.h's macros),
 * global reads `instance->w2c_NAME`, and a few pure helpers (quieting, fabs, our sign flip).
 * Such an E has no side effect; its only failure is a load's out-of-bounds trap. T's pending
 * value is `(TYPE)(E)`, the cast keeping the C type the variable had.
 *
 * Written where read: a statement that reads T gets `(TYPE)(E)` in T's place when the read is
 * T's last before T is assigned again, on every path from there (a bounded look ahead through
 * gotos and conditional gotos; anything it cannot follow counts as a read). If T is read later
 * too, `T = E;` is written before the statement instead (a bare variable or literal is simply
 * copied). Statements that take expressions: assignments (to temporaries, locals, params and
 * globals), wasm2c's store helpers, `if (E) {goto L;}`, `return E;` and direct calls to the
 * module's functions `w2c_...(instance, ...)`. Every other line is a barrier: all pending
 * assignments are written out before it, in their order.
 *
 * What keeps the meaning:
 *  - no pending E reads a variable that is assigned before E is written out: an assignment to
 *    V first writes out every pending E that reads V (and V's own pending value, if it can
 *    trap; a dead pure one is dropped);
 *  - no pending E with a load or global read crosses a statement that writes memory or a
 *    global (stores, global writes, calls) or any barrier;
 *  - a pending E is written before a call, a conditional goto, a return or any barrier, so
 *    control never leaves with a value unwritten, and every loop label (the tier-up's OSR
 *    entry) sees all variables written;
 *  - loads move only past other loads and trap-free arithmetic: the only trap a pending E can
 *    raise is out-of-bounds, the same trap whichever load raises it; into the arms of `?:`
 *    (where C evaluates one arm only) only trap-free values are folded;
 *  - the checked-bounds load macros evaluate their address twice: the address is pure, and
 *    nothing writes memory between.
 * A pending value is never folded into a statement that reads its variable twice (it is
 * written out first), and values longer than MAX_EXPR bytes are written out (tcc's registers
 * are few; giant expressions only spill). `LOCAL = T;` with T read again later (local.tee)
 * writes T's expression into LOCAL and leaves T pending as a copy of LOCAL. */
#define _GNU_SOURCE
#include "tcc_fold.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_PENDING = 64, MAX_EXPR = 1500, LOOK_AHEAD = 160, MAX_VAR = 24 };

enum kind {
  K_OTHER,   /* anything else: a barrier */
  K_ASSIGN,  /* VAR = E; or VAR op= E; */
  K_GWRITE,  /* instance->w2c_NAME = E; */
  K_STORE,   /* iNN_storeNN_default32(base, size, mem, ADDR, VALUE); */
  K_CALL,    /* [VAR = ]w2c_NAME(instance, ARGS); */
  K_IFGOTO,  /* if (E) {goto LABEL;} */
  K_RETURN,  /* return E; / return; */
  K_GOTO,    /* goto LABEL; */
  K_LABEL,   /* LABEL:; or LABEL: */
  K_NEUTRAL, /* FUNC_EPILOGUE; (touches no variable of the function, no memory) */
};

struct line {
  size_t off, len; /* in the body buffer, newline included */
  enum kind kind;
  unsigned char indent;
  char op;                   /* K_ASSIGN: '=' or the compound operator ('<' for <<=, '>' for >>=) */
  int dest_reread;           /* K_ASSIGN: E reads the destination too */
  size_t dest_off, dest_len; /* the assigned variable (K_ASSIGN, K_CALL with result) */
  size_t e_off, e_len;       /* the expression text to fold into (args for stores/calls) */
  size_t label_off, label_len;
  long target; /* K_GOTO, K_IFGOTO: the label's line, -1 if not found */
  int visit;
  unsigned long long vars; /* the variables named in the line, as var_bit()s */
  int control;             /* K_OTHER: may jump or end a block (a brace, a colon, a jump word) */
};

struct pending {
  char var[MAX_VAR];
  char *text;
  int mem;                 /* reads memory or a global (may trap, if a load) */
  int load;                /* holds a load: may trap */
  int dup;                 /* a bare variable or literal: can be copied into several reads */
  unsigned long long vars; /* the variables its text names, as var_bit()s */
};

struct tcc_fold {
  int inside;
  char *body;
  size_t body_len, body_cap;
  struct line *lines;
  size_t nlines, lines_cap;
  long *labels; /* open addressing: line index + 1, 0 empty */
  size_t labels_cap;
  struct pending pend[MAX_PENDING];
  int npend;
  int stamp;
  int failed;
  char *local_types; /* var_lN's type, by N: 'i', 'j', 'f', 'd' (u32, u64, f32, f64), or 0 */
  size_t nlocals, locals_cap;
  unsigned long long folded_vars; /* var_bit()s of the values folded into the statement */
  char *scratch;                  /* one statement's rewritten text */
  size_t scratch_cap;
  FILE *out;
};

/* ---- small text helpers ---- */

static int ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Makes room for `need` elements of `size` bytes in *array (capacity *cap, doubled from
 * `first`); -1 when out of memory (the array is kept). */
static int reserve(void *array, size_t *cap, size_t need, size_t size, size_t first) {
  if (need <= *cap)
    return 0;
  size_t n = *cap ? *cap : first;
  while (n < need)
    n *= 2;
  void *grown = realloc(*(void **)array, n * size);
  if (!grown)
    return -1;
  *(void **)array = grown;
  *cap = n;
  return 0;
}

static int starts_with(const char *s, size_t n, const char *p) {
  size_t pl = strlen(p);
  return n >= pl && memcmp(s, p, pl) == 0;
}

/* var_ + lowercase letters + digits: a parameter, local or temporary (labels are var_B...,
 * var_L...). */
static size_t var_token(const char *s, size_t n) {
  if (!starts_with(s, n, "var_"))
    return 0;
  size_t i = 4;
  if (i >= n || !(s[i] >= 'a' && s[i] <= 'z'))
    return 0;
  while (i < n && s[i] >= 'a' && s[i] <= 'z')
    i++;
  size_t digits = i;
  while (i < n && s[i] >= '0' && s[i] <= '9')
    i++;
  if (i == digits || (i < n && ident_char(s[i])) || i >= MAX_VAR)
    return 0;
  return i;
}

static const char *type_name(char code) {
  switch (code) {
  case 'i':
    return "u32";
  case 'j':
    return "u64";
  case 'f':
    return "f32";
  case 'd':
    return "f64";
  }
  return NULL;
}

/* A temporary's type: var_i/var_j/var_f/var_d followed by digits; NULL for anything else. */
static const char *temp_type(const char *var) {
  return var[5] >= '0' && var[5] <= '9' ? type_name(var[4]) : NULL;
}

/* The declared locals' types, from the lines between the definition and FUNC_PROLOGUE:
 * "  u32 var_l1 = 0, var_l2 = 0," and continuation lines with more spaces. A local declared
 * otherwise (volatile, in a function that catches exceptions; v128; references) has none and
 * is never held back. */
static int index_locals(struct tcc_fold *f);

static const char *var_type(const struct tcc_fold *f, const char *var) {
  const char *t = temp_type(var);
  if (t || strncmp(var, "var_l", 5) != 0)
    return t;
  size_t n = strtoul(var + 5, NULL, 10);
  return n < f->nlocals ? type_name(f->local_types[n]) : NULL;
}

/* Whether text (n bytes) holds the variable name var as a whole token. */
static int has_token(const char *text, size_t n, const char *var) {
  size_t vl = strlen(var);
  for (const char *p = text, *end = text + n; p < end;) {
    const char *q = memmem(p, (size_t)(end - p), var, vl);
    if (!q)
      return 0;
    if ((q == text || !ident_char(q[-1])) && (q + vl == end || !ident_char(q[vl])))
      return 1;
    p = q + 1;
  }
  return 0;
}

/* A one-bit summary of a variable name (a Bloom filter of one hash): a line or text whose
 * summary lacks var's bit does not name var, and needs no search. */
static unsigned long long var_bit(const char *v, size_t n) {
  unsigned h = 2166136261u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)v[i]) * 16777619u;
  return 1ull << (h >> 26);
}

/* Whether a line has a brace, a colon or a jump keyword (goto, return, ...): a barrier line
 * the look-ahead cannot follow. */
static int control_words(const char *text, size_t n) {
  for (size_t i = 0; i < n;) {
    char c = text[i];
    if (!ident_char(c)) {
      if (c == '{' || c == '}' || c == ':')
        return 1;
      i++;
      continue;
    }
    size_t j = i;
    while (j < n && ident_char(text[j]))
      j++;
    const char *w = text + i;
    size_t wn = j - i;
    if ((wn == 4 && (memcmp(w, "goto", 4) == 0 || memcmp(w, "case", 4) == 0)) ||
        (wn == 5 && memcmp(w, "break", 5) == 0) || (wn == 6 && memcmp(w, "return", 6) == 0) ||
        (wn == 7 && memcmp(w, "default", 7) == 0) || (wn == 8 && memcmp(w, "continue", 8) == 0))
      return 1;
    i = j;
  }
  return 0;
}

/* The var_bit()s of the variables a line or text names (most of a line is wasm2c's long helper
 * names, skipped to the next 'v'). */
static unsigned long long line_names(const char *text, size_t n) {
  unsigned long long bits = 0;
  for (const char *p = text, *end = text + n; (p = memchr(p, 'v', (size_t)(end - p))); p++) {
    if ((size_t)(end - p) < 5 || p[1] != 'a' || p[2] != 'r' || p[3] != '_' ||
        (p > text && ident_char(p[-1])))
      continue;
    size_t v = var_token(p, (size_t)(end - p));
    if (v) {
      bits |= var_bit(p, v);
      p += v - 1;
    }
  }
  return bits;
}

static const char *const scalar_types[] = {"u8",  "s8",  "u16", "s16", "u32",
                                           "s32", "u64", "s64", "f32", "f64"};
static const char *const pure_helpers[] = {"wasm_quiet", "wasm_quietf",    "wasm_fabs",
                                           "wasm_fabsf", "wasmaot_fneg32", "wasmaot_fneg64"};

static int in_list(const char *s, size_t n, const char *const *list, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
      return 1;
  return 0;
}

/* i32_load_default32, i64_load8_s_default32, f64_load_default32, ... (prefix "load" or "store"). */
static int memory_helper(const char *s, size_t n, const char *what) {
  if (n < 4 || !((s[0] == 'i' || s[0] == 'f') &&
                 ((s[1] == '3' && s[2] == '2') || (s[1] == '6' && s[2] == '4')) && s[3] == '_'))
    return 0;
  size_t wl = strlen(what);
  if (n < 4 + wl || memcmp(s + 4, what, wl) != 0)
    return 0;
  const char *rest = s + 4 + wl;
  size_t rn = n - 4 - wl;
  static const char *const tails[] = {
      "_default32",     "8_s_default32",  "8_u_default32", "16_s_default32", "16_u_default32",
      "32_s_default32", "32_u_default32", "8_default32",   "16_default32",   "32_default32"};
  return in_list(rest, rn, tails, sizeof tails / sizeof *tails);
}

/* Whether e (n bytes) is made only of what a pending expression may hold (see the top). Sets
 * *mem if it reads memory or a global, *load if it loads, *cond if it has `?`. */
static int foldable(const char *e, size_t n, int *mem, int *load, int *cond) {
  *mem = *load = *cond = 0;
  size_t i = 0;
  if (n == 0)
    return 0;
  while (i < n) {
    char c = e[i];
    if (c == ' ') {
      i++;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
      size_t j = i;
      while (j < n && ident_char(e[j]))
        j++;
      const char *w = e + i;
      size_t wn = j - i;
      if (var_token(w, wn) == wn || in_list(w, wn, scalar_types, 10) ||
          in_list(w, wn, pure_helpers, sizeof pure_helpers / sizeof *pure_helpers) ||
          (wn == 25 && memcmp(w, "wasm_rt_local_memory_base", 25) == 0) ||
          (wn == 25 && memcmp(w, "wasm_rt_local_memory_size", 25) == 0)) {
        i = j;
      } else if (memory_helper(w, wn, "load")) {
        *mem = *load = 1;
        i = j;
      } else if (wn == 8 && memcmp(w, "instance", 8) == 0 && starts_with(e + j, n - j, "->w2c_")) {
        j += 2;
        while (j < n && ident_char(e[j]))
          j++;
        if (j < n && (e[j] == '.' || e[j] == '['))
          return 0;
        *mem = 1;
        i = j;
      } else {
        return 0;
      }
    } else if (c >= '0' && c <= '9') {
      int hex = c == '0' && i + 1 < n && (e[i + 1] == 'x' || e[i + 1] == 'X');
      size_t j = i + 1;
      while (j < n) {
        char d = e[j];
        if (ident_char(d) || d == '.')
          j++;
        else if ((d == '+' || d == '-') && (hex ? (e[j - 1] == 'p' || e[j - 1] == 'P')
                                                : (e[j - 1] == 'e' || e[j - 1] == 'E')))
          j++;
        else
          break;
      }
      i = j;
    } else if ((c == '=' || c == '!') && i + 1 < n && e[i + 1] == '=') {
      i += 2;
    } else if (strchr("()+-*&|^!~<>?:,", c)) {
      if ((c == '+' || c == '-') && i + 1 < n && e[i + 1] == c)
        return 0; /* ++ / -- */
      if (c == '-' && i + 1 < n && e[i + 1] == '>')
        return 0;
      if (c == '?')
        *cond = 1;
      if ((c == '<' || c == '>') && i + 1 < n && e[i + 1] == '=')
        i++;
      i++;
    } else {
      return 0;
    }
  }
  return 1;
}

/* ---- parsing a body line ---- */

static void parse_line(struct tcc_fold *f, struct line *l) {
  const char *s = f->body + l->off;
  size_t n = l->len;
  if (n && s[n - 1] == '\n')
    n--;
  size_t ind = 0;
  while (ind < n && s[ind] == ' ')
    ind++;
  l->indent = ind < 200 ? (unsigned char)ind : 200;
  l->kind = K_OTHER;
  l->target = -1;
  l->vars = line_names(s, n);
  const char *t = s + ind;
  size_t tn = n - ind;
  size_t base = l->off + ind;
  if (tn == 14 && memcmp(t, "FUNC_EPILOGUE;", 14) == 0) {
    l->kind = K_NEUTRAL;
    return;
  }
  if (starts_with(t, tn, "var_")) { /* a label, or an assignment to a variable */
    size_t v = var_token(t, tn);
    if (v == 0) {
      size_t j = 4;
      while (j < tn && ident_char(t[j]))
        j++;
      size_t tt = tn; /* wasm2c writes a loop's label `var_L4: ` (a space after the colon) */
      while (tt > j && t[tt - 1] == ' ')
        tt--;
      if ((tt == j + 2 && t[j] == ':' && t[j + 1] == ';') || (tt == j + 1 && t[j] == ':')) {
        l->kind = K_LABEL;
        l->label_off = base;
        l->label_len = j;
      }
      return;
    }
    size_t j = v;
    if (j + 3 > tn || t[j] != ' ' || t[tn - 1] != ';')
      return;
    j++;
    char op = 0;
    if (t[j] == '=' && t[j + 1] == ' ') {
      op = '=';
      j += 2;
    } else if (strchr("+-*&|^/", t[j]) && j + 2 < tn && t[j + 1] == '=' && t[j + 2] == ' ') {
      op = t[j];
      j += 3;
    } else if ((t[j] == '<' || t[j] == '>') && j + 3 < tn && t[j + 1] == t[j] && t[j + 2] == '=' &&
               t[j + 3] == ' ') {
      op = t[j];
      j += 4;
    } else {
      return;
    }
    l->dest_off = base;
    l->dest_len = v;
    if (op == '=' && starts_with(t + j, tn - j, "w2c_")) { /* a call with a result? */
      size_t k = j;
      while (k < tn && ident_char(t[k]))
        k++;
      if (starts_with(t + k, tn - k, "(instance, ") && tn >= 2 && t[tn - 2] == ')') {
        l->kind = K_CALL;
        l->e_off = base + k + 11;
        l->e_len = tn - 2 - (k + 11);
        char var[MAX_VAR];
        memcpy(var, t, v);
        var[v] = 0;
        l->dest_reread = (line_names(t + k + 11, l->e_len) & var_bit(var, v)) &&
                         has_token(t + k + 11, l->e_len, var);
      } else if (starts_with(t + k, tn - k, "(instance);")) {
        l->kind = K_CALL;
        l->e_off = base + k + 10;
        l->e_len = 0;
      }
      return;
    }
    l->kind = K_ASSIGN;
    l->op = op;
    l->e_off = base + j;
    l->e_len = tn - 1 - j;
    char var[MAX_VAR];
    memcpy(var, t, v);
    var[v] = 0;
    l->dest_reread =
        (line_names(t + j, tn - 1 - j) & var_bit(var, v)) && has_token(t + j, tn - 1 - j, var);
    return;
  }
  if (starts_with(t, tn, "if (") && tn > 14 && memcmp(t + tn - 2, ";}", 2) == 0) {
    const char *g = NULL;
    for (const char *p = t; (p = memmem(p, (size_t)(t + tn - p), ") {goto ", 8)); p++)
      g = p;
    if (!g)
      return;
    l->kind = K_IFGOTO;
    l->e_off = base + 4;
    l->e_len = (size_t)(g - t) - 4;
    l->label_off = base + (size_t)(g - t) + 8;
    l->label_len = tn - 2 - ((size_t)(g - t) + 8);
    return;
  }
  if (starts_with(t, tn, "goto ") && t[tn - 1] == ';') {
    l->kind = K_GOTO;
    l->label_off = base + 5;
    l->label_len = tn - 6;
    return;
  }
  if (starts_with(t, tn, "return") && t[tn - 1] == ';' && (tn == 7 || t[6] == ' ')) {
    l->kind = K_RETURN;
    l->e_off = base + (tn == 7 ? 6 : 7);
    l->e_len = tn == 7 ? 0 : tn - 8;
    return;
  }
  if (starts_with(t, tn, "instance->w2c_")) {
    size_t j = 14;
    while (j < tn && ident_char(t[j]))
      j++;
    if (starts_with(t + j, tn - j, " = ") && t[tn - 1] == ';') {
      l->kind = K_GWRITE;
      l->e_off = base + j + 3;
      l->e_len = tn - 1 - (j + 3);
      l->dest_off = base;
      l->dest_len = j;
    }
    return;
  }
  size_t k = 0;
  while (k < tn && ident_char(t[k]))
    k++;
  if (k == 0 || k >= tn || t[k] != '(' || tn < k + 3 || memcmp(t + tn - 2, ");", 2) != 0)
    return;
  if (memory_helper(t, k, "store")) {
    l->kind = K_STORE;
    l->e_off = base + k + 1;
    l->e_len = tn - 2 - (k + 1);
  } else if (starts_with(t, k, "w2c_") && starts_with(t + k, tn - k, "(instance, ")) {
    l->kind = K_CALL;
    l->dest_len = 0;
    l->e_off = base + k + 11;
    l->e_len = tn - 2 - (k + 11);
  } else if (starts_with(t, k, "w2c_") && tn == k + 11 &&
             starts_with(t + k, tn - k, "(instance);")) {
    l->kind = K_CALL;
    l->dest_len = 0;
    l->e_off = base + k + 10;
    l->e_len = 0;
  }
}

/* ---- labels ---- */

static size_t hash_text(const char *s, size_t n) {
  size_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static int index_labels(struct tcc_fold *f) {
  size_t count = 0;
  for (size_t i = 0; i < f->nlines; i++)
    count += f->lines[i].kind == K_LABEL;
  size_t cap = 16;
  while (cap < count * 2 + 2)
    cap *= 2;
  if (reserve(&f->labels, &f->labels_cap, cap, sizeof *f->labels, 16) != 0)
    return -1;
  memset(f->labels, 0, cap * sizeof *f->labels);
  for (size_t i = 0; i < f->nlines; i++) {
    struct line *l = &f->lines[i];
    if (l->kind != K_LABEL)
      continue;
    size_t h = hash_text(f->body + l->label_off, l->label_len) & (cap - 1);
    while (f->labels[h])
      h = (h + 1) & (cap - 1);
    f->labels[h] = (long)i + 1;
  }
  for (size_t i = 0; i < f->nlines; i++) {
    struct line *l = &f->lines[i];
    if (l->kind != K_GOTO && l->kind != K_IFGOTO)
      continue;
    const char *name = f->body + l->label_off;
    for (size_t h = hash_text(name, l->label_len) & (cap - 1); f->labels[h];
         h = (h + 1) & (cap - 1)) {
      struct line *t = &f->lines[f->labels[h] - 1];
      if (t->label_len == l->label_len && memcmp(f->body + t->label_off, name, l->label_len) == 0) {
        l->target = f->labels[h] - 1;
        break;
      }
    }
  }
  return 0;
}

static int index_locals(struct tcc_fold *f) {
  f->nlocals = 0;
  size_t prologue = 0;
  for (size_t i = 1; i + 1 < f->nlines && !prologue; i++)
    if (strncmp(f->body + f->lines[i].off, "  FUNC_PROLOGUE;\n", 17) == 0)
      prologue = i;
  char code = 0;
  for (size_t i = 1; i < prologue; i++) {
    const char *s = f->body + f->lines[i].off;
    size_t n = f->lines[i].len;
    size_t ind = 0;
    while (ind < n && s[ind] == ' ')
      ind++;
    if (ind <= 2) { /* a declaration's first line: its type */
      code = 0;
      static const char codes[] = "ijfd";
      for (int t = 0; t < 4; t++) {
        const char *name = type_name(codes[t]);
        if (starts_with(s + ind, n - ind, name) && s[ind + 3] == ' ')
          code = codes[t];
      }
    }
    for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), "var_l", 5)); p += 5) {
      if (p > s && ident_char(p[-1]))
        continue;
      size_t v = var_token(p, (size_t)(s + n - p));
      if (!v)
        continue;
      size_t k = strtoul(p + 5, NULL, 10);
      if (k > 1000000) { /* not what wasm2c writes: no local is held back */
        f->nlocals = 0;
        return 0;
      }
      if (reserve(&f->local_types, &f->locals_cap, k + 1, 1, 64) != 0)
        return -1;
      while (f->nlocals <= k)
        f->local_types[f->nlocals++] = 0;
      f->local_types[k] = code;
    }
  }
  return 0;
}

/* ---- liveness: may `var` be read, from line `from` on, before it is assigned? ---- */

static int read_first(struct tcc_fold *f, const char *var, size_t from, int *budget) {
  unsigned long long bit = var_bit(var, strlen(var));
  for (size_t j = from; j < f->nlines; j++) {
    if (j == f->nlines - 1)
      return 0; /* the closing brace: the function ends, nothing more is read */
    if (--*budget < 0)
      return 1;
    struct line *l = &f->lines[j];
    if (l->visit == f->stamp)
      return 0; /* already followed from here in this query */
    l->visit = f->stamp;
    const char *s = f->body + l->off;
    if ((l->vars & bit) && has_token(s, l->len, var)) {
      return !(((l->kind == K_ASSIGN && l->op == '=') || l->kind == K_CALL) && !l->dest_reread &&
               l->dest_len == strlen(var) && memcmp(f->body + l->dest_off, var, l->dest_len) == 0);
    }
    switch (l->kind) {
    case K_RETURN:
      return 0;
    case K_GOTO:
      if (l->target < 0)
        return 1;
      return read_first(f, var, (size_t)l->target, budget);
    case K_IFGOTO:
      if (l->target < 0 || read_first(f, var, (size_t)l->target, budget))
        return 1;
      break;
    case K_OTHER:
      if (l->control)
        return 1;
      break;
    default:
      break;
    }
  }
  return 1;
}

/* A new liveness query: lines visited by earlier ones count as not visited. */
static void new_query(struct tcc_fold *f) {
  if (++f->stamp == 0x7fffffff) {
    for (size_t j = 0; j < f->nlines; j++)
      f->lines[j].visit = 0;
    f->stamp = 1;
  }
}

/* Whether var is read after line i (which reads it) before being assigned. */
static int live_after(struct tcc_fold *f, const char *var, size_t i) {
  new_query(f);
  int budget = LOOK_AHEAD;
  struct line *l = &f->lines[i];
  l->visit = f->stamp;
  if (l->kind == K_RETURN)
    return 0;
  if (l->kind == K_IFGOTO && (l->target < 0 || read_first(f, var, (size_t)l->target, &budget)))
    return 1;
  return read_first(f, var, i + 1, &budget);
}

/* Whether text is one cast group "(TYPE)(...)" (its last ')' closing the group): such a value
 * is an operand as it is, and cast to its type already. */
static int cast_group(const char *text, const char *type) {
  size_t tl = type ? strlen(type) : 0, n = strlen(text);
  if (type ? !(text[0] == '(' && strncmp(text + 1, type, tl) == 0 && text[tl + 1] == ')')
           : !(text[0] == '(' && n > 5 && text[4] == ')' && text[5] == '('))
    return 0;
  if (!type)
    tl = 3;
  size_t i = tl + 2;
  if (i >= n || text[i] != '(')
    return 0;
  int depth = 0;
  for (; i < n; i++) {
    if (text[i] == '(')
      depth++;
    else if (text[i] == ')' && --depth == 0)
      return i == n - 1;
  }
  return 0;
}

/* ---- output ---- */

static void put(struct tcc_fold *f, const char *s, size_t n) {
  if (!f->failed && n && fwrite(s, 1, n, f->out) != n)
    f->failed = 1;
}

static void put_indent(struct tcc_fold *f, unsigned indent) {
  static const char spaces[] = "                                                                ";
  while (indent) {
    unsigned k = indent < 64 ? indent : 64;
    put(f, spaces, k);
    indent -= k;
  }
}

static void drop(struct tcc_fold *f, int k) {
  free(f->pend[k].text);
  memmove(&f->pend[k], &f->pend[k + 1], (size_t)(f->npend - k - 1) * sizeof f->pend[0]);
  f->npend--;
}

/* Writes pending assignment k out (as `VAR = E;`) and forgets it. */
static void write_out(struct tcc_fold *f, int k, unsigned indent) {
  struct pending *p = &f->pend[k];
  put_indent(f, indent);
  put(f, p->var, strlen(p->var));
  put(f, " = ", 3);
  put(f, p->text, strlen(p->text));
  put(f, ";\n", 2);
  drop(f, k);
}

static void write_all(struct tcc_fold *f, unsigned indent) {
  while (f->npend)
    write_out(f, 0, indent);
}

static int find_pending(struct tcc_fold *f, const char *var, size_t n) {
  for (int k = 0; k < f->npend; k++)
    if (strlen(f->pend[k].var) == n && memcmp(f->pend[k].var, var, n) == 0)
      return k;
  return -1;
}

/* A growing string for one rewritten statement. */
struct sbuf {
  char *s;
  size_t len, cap;
  int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (reserve(&b->s, &b->cap, b->len + n + 1, 1, 256) != 0) {
    b->oom = 1;
    return;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = 0;
}

static void sb_str(struct sbuf *b, const char *s) {
  sb_add(b, s, strlen(s));
}

/* Copies e (n bytes, the expression part of line i) into b with pending values folded in
 * where they may be (see the top). `self`: the destination of a compound assignment or of an
 * assignment that reads it (its old value is consumed here). Folded values' flags are ORed
 * into *mem and *load. */
static void fold_into(struct tcc_fold *f, struct sbuf *b, const char *e, size_t n, size_t i,
                      const char *self, int cond, int *mem, int *load) {
  /* First decide, per pending variable read here, whether its value goes in. */
  int use[MAX_PENDING];
  for (int k = 0; k < f->npend; k++) {
    use[k] = 0;
    int count = 0;
    const char *v = f->pend[k].var;
    size_t vl = strlen(v);
    if (!(f->lines[i].vars & var_bit(v, vl)))
      continue;
    for (const char *p = e, *end = e + n; (p = memmem(p, (size_t)(end - p), v, vl)); p += vl)
      if ((p == e || !ident_char(p[-1])) && (p + vl == end || !ident_char(p[vl])))
        count++;
    if (count == 0)
      continue;
    struct pending *pd = &f->pend[k];
    if (pd->dup)
      use[k] = 1;
    else if (count > 1 || (cond && pd->load))
      use[k] = -1; /* write it out first */
    else if (self && strcmp(self, v) == 0)
      use[k] = 2;
    else
      use[k] = live_after(f, v, i) ? -1 : 2;
  }
  /* Values to write out go first (their variables are then read as they are). */
  unsigned indent = f->lines[i].indent;
  for (int k = f->npend - 1; k >= 0; k--)
    if (use[k] == -1) {
      /* keep use[] aligned with pend[] */
      write_out(f, k, indent);
      memmove(&use[k], &use[k + 1], (size_t)(f->npend - k) * sizeof use[0]);
    }
  for (size_t p = 0; p < n;) {
    size_t v = (p == 0 || !ident_char(e[p - 1])) ? var_token(e + p, n - p) : 0;
    if (!v) {
      size_t q = p + 1;
      while (q < n && e[q] != 'v')
        q++;
      sb_add(b, e + p, q - p);
      p = q;
      continue;
    }
    int k = find_pending(f, e + p, v);
    if (k < 0 || use[k] == 0) {
      sb_add(b, e + p, v);
    } else {
      struct pending *pd = &f->pend[k];
      *mem |= pd->mem;
      *load |= pd->load;
      f->folded_vars |= pd->vars;
      int bare = (pd->dup && var_token(pd->text, strlen(pd->text)) == strlen(pd->text)) ||
                 cast_group(pd->text, NULL);
      if (!bare)
        sb_str(b, "(");
      sb_str(b, pd->text);
      if (!bare)
        sb_str(b, ")");
    }
    p += v;
  }
  /* Values folded for good are forgotten (dup ones stay while their variable lives). */
  for (int k = f->npend - 1; k >= 0; k--)
    if (use[k] == 2 || (use[k] == 1 && ((self && strcmp(self, f->pend[k].var) == 0) ||
                                        !live_after(f, f->pend[k].var, i)))) {
      drop(f, k);
      memmove(&use[k], &use[k + 1], (size_t)(f->npend - k) * sizeof use[0]);
    }
}

/* Before `var` is assigned: pending values that read it, and its own (if it may trap; a dead
 * pure one is dropped), are written out. */
static void before_assign(struct tcc_fold *f, const char *var, unsigned indent) {
  unsigned long long bit = var_bit(var, strlen(var));
  for (int k = 0; k < f->npend;) {
    struct pending *p = &f->pend[k];
    if (strcmp(p->var, var) == 0 && !p->load) {
      drop(f, k);
    } else if (strcmp(p->var, var) == 0 ||
               ((p->vars & bit) && has_token(p->text, strlen(p->text), var))) {
      write_out(f, k, indent);
    } else {
      k++;
    }
  }
}

static void before_memory_write(struct tcc_fold *f, unsigned indent) {
  for (int k = 0; k < f->npend;)
    if (f->pend[k].mem)
      write_out(f, k, indent);
    else
      k++;
}

static void copy_line(struct tcc_fold *f, const struct line *l) {
  put(f, f->body + l->off, l->len);
}

static void statement(struct tcc_fold *f, size_t i) {
  struct line *l = &f->lines[i];
  const char *s = f->body + l->off;
  const char *e = f->body + l->e_off;
  int mem = 0, load = 0, cond = 0;
  struct sbuf b = {f->scratch, 0, f->scratch_cap, 0};
  char dest[MAX_VAR] = "";
  f->folded_vars = 0;
  switch (l->kind) {
  case K_NEUTRAL:
    copy_line(f, l);
    return;
  case K_ASSIGN:
  case K_GWRITE:
  case K_STORE:
  case K_CALL:
  case K_IFGOTO:
  case K_RETURN:
    if (l->e_len && !foldable(e, l->e_len, &mem, &load, &cond))
      goto barrier;
    break;
  default:
    goto barrier;
  }
  if ((l->kind == K_ASSIGN || l->kind == K_CALL) && l->dest_len) {
    memcpy(dest, f->body + l->dest_off, l->dest_len);
    dest[l->dest_len] = 0;
  }
  const char *type = l->kind == K_ASSIGN ? var_type(f, dest) : NULL;
  if (l->kind == K_ASSIGN && l->op == '/' && !(type && type[0] == 'f'))
    goto barrier; /* integer division traps: only float division is taken */
  if (l->kind == K_CALL || l->kind == K_IFGOTO || l->kind == K_RETURN) {
    /* control leaves or may not come back the same: fold into it, write the rest out first */
    /* a call's result variable is assigned by it: its old value's read there is its last */
    fold_into(f, &b, e, l->e_len, i, dest[0] ? dest : NULL, cond, &mem, &load);
    write_all(f, l->indent);
    put(f, s, l->e_off - l->off);
    put(f, b.s ? b.s : "", b.len);
    put(f, e + l->e_len, l->off + l->len - (l->e_off + l->e_len));
  } else if (l->kind == K_STORE || l->kind == K_GWRITE) {
    fold_into(f, &b, e, l->e_len, i, NULL, cond, &mem, &load);
    before_memory_write(f, l->indent);
    put(f, s, l->e_off - l->off);
    put(f, b.s ? b.s : "", b.len);
    put(f, e + l->e_len, l->off + l->len - (l->e_off + l->e_len));
  } else { /* K_ASSIGN */
    int self = l->op != '=' || l->dest_reread;
    if (!temp_type(dest) && l->op == '=' && var_token(e, l->e_len) == l->e_len) {
      /* `LOCAL = T;` with T read again later (wasm's local.tee): LOCAL gets T's value, and T's
       * pending value becomes LOCAL (written out, as any, before LOCAL is assigned again). T is
       * taken out first: its value may read LOCAL's old one (`T = LOCAL + 1; LOCAL = T;`),
       * which `LOCAL = (LOCAL + 1)` reads before LOCAL changes. A T read no more goes the
       * general way below: folded into the assignment, the rest written out after. */
      int k = find_pending(f, e, l->e_len);
      if (k >= 0 && !f->pend[k].dup && live_after(f, f->pend[k].var, i)) {
        struct pending t = f->pend[k];
        memmove(&f->pend[k], &f->pend[k + 1], (size_t)(f->npend - k - 1) * sizeof f->pend[0]);
        f->npend--;
        before_assign(f, dest, l->indent);
        char *v = strdup(dest);
        if (!v) {
          free(t.text);
          f->failed = 1;
          return;
        }
        put_indent(f, l->indent);
        put(f, dest, strlen(dest));
        put(f, " = ", 3);
        put(f, t.text, strlen(t.text));
        put(f, ";\n", 2);
        free(t.text);
        t.text = v;
        t.vars = var_bit(v, strlen(v));
        t.dup = 1;
        t.mem = t.load = 0;
        f->pend[f->npend++] = t;
        return;
      }
    }
    struct sbuf rhs = {NULL, 0, 0, 0};
    if (l->op != '=') { /* T op= E: T = (TYPE)((T) op (E)), T's old value folded in too */
      int k = find_pending(f, dest, l->dest_len); /* the old value: pending, or the variable */
      sb_str(&rhs, "(");
      if (k >= 0) {
        mem |= f->pend[k].mem;
        load |= f->pend[k].load;
        f->folded_vars |= f->pend[k].vars;
        sb_str(&rhs, f->pend[k].text);
        drop(f, k);
      } else {
        sb_str(&rhs, dest);
      }
      sb_str(&rhs, ") ");
      char opstr[3] = {l->op, 0, 0};
      if (l->op == '<' || l->op == '>')
        opstr[1] = l->op;
      sb_str(&rhs, opstr);
      sb_str(&rhs, " (");
    }
    fold_into(f, &rhs, e, l->e_len, i, self ? dest : NULL, cond, &mem, &load);
    if (l->op != '=')
      sb_str(&rhs, ")");
    if (rhs.oom) {
      free(rhs.s);
      f->failed = 1;
      return;
    }
    before_assign(f, dest, l->indent);
    if (type && rhs.len <= MAX_EXPR && f->npend < MAX_PENDING) {
      struct pending *p = &f->pend[f->npend];
      int bare = var_token(rhs.s, rhs.len) == rhs.len;
      int literal = !bare && rhs.len < 40 && rhs.s[0] >= '0' && rhs.s[0] <= '9' &&
                    strspn(rhs.s, "0123456789abcdefABCDEFxXpPuUlL.+-_") == rhs.len;
      snprintf(p->var, sizeof p->var, "%s", dest);
      p->mem = mem;
      p->load = load;
      p->dup = (bare || literal) && !mem;
      if (bare) {
        p->text = strndup(rhs.s, rhs.len);
      } else if (cast_group(rhs.s, type)) {
        p->text = strndup(rhs.s, rhs.len);
      } else if ((p->text = malloc(rhs.len + strlen(type) + 5)) != NULL) {
        sprintf(p->text, "(%s)(%s)", type, rhs.s);
      }
      free(rhs.s);
      if (p->text)
        p->vars = f->lines[i].vars | f->folded_vars; /* a superset of what the text names */
      if (!p->text) {
        f->failed = 1;
        return;
      }
      f->npend++;
      return;
    }
    put_indent(f, l->indent);
    put(f, dest, strlen(dest));
    put(f, " = ", 3);
    put(f, rhs.s, rhs.len);
    put(f, ";\n", 2);
    free(rhs.s);
  }
  f->scratch = b.s;
  f->scratch_cap = b.cap;
  if (b.oom)
    f->failed = 1;
  return;
barrier:
  write_all(f, l->indent);
  copy_line(f, l);
}

/* ---- a whole function ---- */

static int fold_body(struct tcc_fold *f) {
  f->nlines = 0;
  for (size_t off = 0; off < f->body_len;) {
    const char *nl = memchr(f->body + off, '\n', f->body_len - off);
    size_t end = nl ? (size_t)(nl - f->body) + 1 : f->body_len;
    if (reserve(&f->lines, &f->lines_cap, f->nlines + 1, sizeof *f->lines, 1024) != 0)
      return -1;
    struct line *l = &f->lines[f->nlines++];
    memset(l, 0, sizeof *l);
    l->off = off;
    l->len = end - off;
    off = end;
  }
  /* the definition line and the closing brace are copied as they are */
  for (size_t i = 1; i + 1 < f->nlines; i++) {
    struct line *l = &f->lines[i];
    parse_line(f, l);
    if (l->kind == K_OTHER)
      l->control = control_words(f->body + l->off, l->len);
  }
  if (index_labels(f) != 0 || index_locals(f) != 0)
    return -1;
  f->npend = 0;
  copy_line(f, &f->lines[0]);
  for (size_t i = 1; i + 1 < f->nlines && !f->failed; i++)
    statement(f, i);
  write_all(f, 2);
  if (f->nlines > 1)
    copy_line(f, &f->lines[f->nlines - 1]);
  return f->failed ? -1 : 0;
}

struct tcc_fold *tcc_fold_new(void) {
  return calloc(1, sizeof(struct tcc_fold));
}

static int hold(struct tcc_fold *f, const char *line, size_t len) {
  if (reserve(&f->body, &f->body_cap, f->body_len + len, 1, 65536) != 0)
    return -1;
  memcpy(f->body + f->body_len, line, len);
  f->body_len += len;
  return 0;
}

/* A function definition line at column 0: "TYPE NAME(...) {" (not a struct, not a macro). */
static int definition_line(const char *line, size_t len) {
  if (len < 5 || line[0] == ' ' || line[0] == '#' || line[0] == '}' || line[0] == '\t')
    return 0;
  if (memcmp(line + len - 4, ") {\n", 4) != 0)
    return 0;
  if (starts_with(line, len, "typedef") || starts_with(line, len, "struct") ||
      memchr(line, '=', len) || memchr(line, ';', len))
    return 0;
  const char *paren = memchr(line, '(', len);
  const char *name = paren;
  while (name && name > line && ident_char(name[-1]))
    name--;
  return paren && paren - name > 4 && starts_with(name, (size_t)(paren - name), "w2c_");
}

int tcc_fold_line(struct tcc_fold *f, const char *line, size_t len, FILE *out) {
  if (f->failed)
    return -1;
  f->out = out;
  if (!f->inside) {
    if (definition_line(line, len)) {
      f->inside = 1;
      f->body_len = 0;
      return hold(f, line, len) == 0 ? 0 : (f->failed = 1, -1);
    }
    put(f, line, len);
    return f->failed ? -1 : 0;
  }
  if (hold(f, line, len) != 0) {
    f->failed = 1;
    return -1;
  }
  if (len == 2 && line[0] == '}' && line[1] == '\n') {
    f->inside = 0;
    if (fold_body(f) != 0) {
      f->failed = 1;
      return -1;
    }
  }
  return 0;
}

int tcc_fold_finish(struct tcc_fold *f, FILE *out) {
  if (f->failed)
    return -1;
  f->out = out;
  if (f->inside) {
    put(f, f->body, f->body_len);
    f->inside = 0;
  }
  return f->failed ? -1 : 0;
}

void tcc_fold_free(struct tcc_fold *f) {
  if (!f)
    return;
  for (int k = 0; k < f->npend; k++)
    free(f->pend[k].text);
  free(f->body);
  free(f->lines);
  free(f->labels);
  free(f->scratch);
  free(f->local_types);
  free(f);
}
