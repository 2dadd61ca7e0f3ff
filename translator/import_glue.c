/* Writes guest_glue.h from wasm2c's header. See import_glue.h.
 *
 * What wasm2c 1.0.42 writes, and what we rely on:
 *
 *   void wasm2c_guest_instantiate(w2c_guest*, struct w2c_env*, struct
 * w2c_wasi__snapshot__preview1*);
 *   ...
 *   / * import: 'env' 'foo' * /
 *   u32 w2c_env_foo(struct w2c_env*, u32, u64);
 *
 * The imports appear once per distinct (module, name), sorted by module then name, which is
 * how they are matched with the module's own import list here; every WASI import the runtime
 * provides must land on its own symbol, or the build stops (a different wasm2c). */
#define _GNU_SOURCE
#include "error.h"
#include "import_glue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasi_imports.h"

enum { MAX_PARAMS = 1000 };

struct import_ref {
  const struct wasm_name *module, *name;
};

/* Bytewise, shorter first on a tie: std::string's order, which wasm2c sorts by. */
static int compare_names(const struct wasm_name *a, const struct wasm_name *b) {
  int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
  return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int by_module_then_name(const void *a, const void *b) {
  const struct import_ref *x = a, *y = b;
  int c = compare_names(x->module, y->module);
  return c ? c : compare_names(x->name, y->name);
}

/* Identifiers and type names as wasm2c writes them: letters, digits, '_', and for types the
 * spaces and '*' of "struct w2c_env*". Anything else means the header is not what we expect. */
static int plain_c(const char *s, size_t n, int type) {
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || (type && (c == ' ' || c == '*'));
    if (!ok)
      return 0;
  }
  return 1;
}

/* A module's name as a C string literal: octal escapes for every byte but a safe few. */
static void write_c_string(FILE *out, const struct wasm_name *module,
                           const struct wasm_name *name) {
  const struct wasm_name dot = {".", 1};
  const struct wasm_name *parts[] = {module, &dot, name};
  fputc('"', out);
  for (int k = 0; k < 3; k++)
    for (uint32_t i = 0; i < parts[k]->len; i++) {
      unsigned char c = (unsigned char)parts[k]->s[i];
      if (c == 0) /* the message is a C string: a NUL inside a name is shown, not kept */
        fputs("\\\\x00", out);
      else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-')
        fputc(c, out);
      else
        fprintf(out, "\\%03o", c);
    }
  fputc('"', out);
}

static char *trim(char *s) {
  while (*s == ' ')
    s++;
  size_t n = strlen(s);
  while (n && s[n - 1] == ' ')
    s[--n] = 0;
  return s;
}

/* One prototype line "RET NAME(T0, T1, ...);" split in place. 0, or -1 if it is not one. */
static int split_prototype(char *line, char **ret, char **name, char **params, int *nparams) {
  char *open = strchr(line, '('), *close = strrchr(line, ')');
  if (!open || !close || close < open || strcmp(close, ");") != 0)
    return -1;
  *open = 0;
  *close = 0;
  char *space = strrchr(line, ' ');
  if (!space)
    return -1;
  *space = 0;
  *ret = trim(line);
  *name = space + 1;
  if (!plain_c(*ret, strlen(*ret), 1) || !plain_c(*name, strlen(*name), 0))
    return -1;
  *nparams = 0;
  for (char *p = open + 1, *next; p && *p; p = next) {
    next = strchr(p, ',');
    if (next)
      *next++ = 0;
    char *t = trim(p);
    if (*nparams >= MAX_PARAMS || !plain_c(t, strlen(t), 1))
      return -1;
    params[(*nparams)++] = t;
  }
  return 0;
}

static int provided_by_runtime(const struct import_ref *im) {
  return wasm_name_is(im->module, WASI_PREVIEW1_MODULE) && strlen(im->name->s) == im->name->len &&
         wasi_import_lookup(im->name->s) != NULL;
}

static void write_stub(FILE *out, const struct import_ref *im, char *ret, const char *name,
                       char **params, int nparams, enum unknown_imports mode) {
  fprintf(out, "%s %s(", ret, name);
  for (int i = 0; i < nparams; i++)
    fprintf(out, "%s%s a%d", i ? ", " : "", params[i], i);
  fprintf(out, ") {\n");
  for (int i = 0; i < nparams; i++)
    fprintf(out, "  (void)a%d;\n", i);
  if (mode == UNKNOWN_IMPORTS_TRAP) {
    fprintf(out, "  wasmaot_unknown_import_trap(");
    write_c_string(out, im->module, im->name);
    fprintf(out, ");\n");
  } else if (strcmp(ret, "void") != 0) {
    fprintf(out, "  %s zero;\n  memset(&zero, 0, sizeof zero);\n  return zero;\n", ret);
  }
  fprintf(out, "}\n\n");
}

int import_glue_write(const char *guest_h, const struct wasm_module_info *m,
                      enum unknown_imports mode, const char *out_path, char *err, size_t errlen) {
  /* The module's distinct function imports, in wasm2c's order. */
  struct import_ref *refs = calloc(m->nimports ? m->nimports : 1, sizeof *refs);
  char **params = malloc(MAX_PARAMS * sizeof *params);
  FILE *in = fopen(guest_h, "r"), *out = in ? fopen(out_path, "w") : NULL;
  char *line = NULL, *instantiate = NULL;
  size_t cap = 0, nrefs = 0, seen = 0;
  int rc = -1, next_is_import = 0;
  if (!refs || !params || !out) {
    set_error(err, errlen, "cannot write the import glue: %s", strerror(errno));
    goto out;
  }
  for (uint32_t i = 0; i < m->nimports; i++)
    if (m->imports[i].kind == WASM_KIND_FUNC)
      refs[nrefs++] = (struct import_ref){&m->imports[i].module, &m->imports[i].name};
  qsort(refs, nrefs, sizeof *refs, by_module_then_name);
  size_t unique = 0;
  for (size_t i = 0; i < nrefs; i++)
    if (unique == 0 || by_module_then_name(&refs[unique - 1], &refs[i]) != 0)
      refs[unique++] = refs[i];

  fprintf(out, "/* Generated by wasmaot from wasm2c's guest.h (translator/import_glue.c). */\n"
               "#include <string.h>\n\n");
  while (getline(&line, &cap, in) > 0) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "void wasm2c_guest_instantiate(", 30) == 0 && !instantiate) {
      instantiate = strdup(line);
      continue;
    }
    if (strncmp(line, "/* import: ", 11) == 0) {
      next_is_import = 1;
      continue;
    }
    if (!next_is_import)
      continue;
    next_is_import = 0;
    char *ret, *name;
    int nparams;
    if (seen >= unique || split_prototype(line, &ret, &name, params, &nparams) != 0) {
      set_error(err, errlen, "unexpected import declaration in wasm2c's header");
      goto out;
    }
    const struct import_ref *im = &refs[seen++];
    if (provided_by_runtime(im)) {
      char expected[256];
      snprintf(expected, sizeof expected, "w2c_wasi__snapshot__preview1_%s", im->name->s);
      if (strcmp(name, expected) != 0) {
        set_error(err, errlen, "cannot match wasm2c's imports with the module's (%s)", name);
        goto out;
      }
      continue;
    }
    if (mode == UNKNOWN_IMPORTS_ERROR) { /* refused before translation; never reached */
      set_error(err, errlen, "unknown import (refused before translation)");
      goto out;
    }
    write_stub(out, im, ret, name, params, nparams, mode);
  }
  if (seen != unique || !instantiate) {
    set_error(err, errlen, "cannot match wasm2c's imports with the module's (%zu of %zu)", seen,
              unique);
    goto out;
  }

  /* The instantiate call: one instance pointer per imported module. */
  char *ret, *name;
  int nparams;
  if (split_prototype(instantiate, &ret, &name, params, &nparams) != 0 || nparams < 1) {
    set_error(err, errlen, "unexpected wasm2c_guest_instantiate declaration in wasm2c's header");
    goto out;
  }
  static const char wasi_type[] = "struct w2c_wasi__snapshot__preview1*";
  for (int i = 1; i < nparams; i++) {
    if (strcmp(params[i], wasi_type) == 0)
      continue;
    size_t n = strlen(params[i]);
    if (strncmp(params[i], "struct ", 7) != 0 || params[i][n - 1] != '*') {
      set_error(err, errlen, "unexpected wasm2c_guest_instantiate parameter in wasm2c's header");
      goto out;
    }
    /* Modules the runtime knows nothing of: an empty instance each (their functions are the
     * stubs above, which ignore it). */
    fprintf(out, "%.*s { char unused; };\nstatic %.*s wasmaot_instance_%d;\n\n", (int)(n - 1),
            params[i], (int)(n - 1), params[i], i);
  }
  fprintf(out, "static void wasmaot_guest_instantiate(w2c_guest *guest, wasi_ctx *ctx) {\n"
               "  (void)ctx;\n  wasm2c_guest_instantiate(guest");
  for (int i = 1; i < nparams; i++) {
    if (strcmp(params[i], wasi_type) == 0)
      fprintf(out, ", ctx");
    else
      fprintf(out, ", &wasmaot_instance_%d", i);
  }
  fprintf(out, ");\n}\n");
  if (ferror(out)) {
    set_error(err, errlen, "cannot write %s (disk full?)", out_path);
    goto out;
  }
  rc = 0;
out:
  free(line);
  free(instantiate);
  free(refs);
  free(params);
  if (in)
    fclose(in);
  if (out && fclose(out) != 0 && rc == 0)
    rc = set_error(err, errlen, "cannot write %s (disk full?)", out_path);
  return rc;
}
