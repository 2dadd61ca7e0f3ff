/* `wasmaot help [COMMAND]`, `wasmaot COMMAND --help`: the CLI's own description. The manual
 * page (doc/wasmaot.1) says the same at length; change both together. */
#include "help.h"

#include <string.h>

static const char overview[] =
    "usage: wasmaot build IN.wasm -o OUT [build options]\n"
    "       wasmaot run [build options] [runtime options] IN.wasm [runtime options] [--] "
    "[ARGS...]\n"
    "       wasmaot serve [build options] IN.wasm --listen HOST:PORT [serve options]\n"
    "       wasmaot help [build|run|serve]\n"
    "       wasmaot --help | --version\n"
    "       wasmaot info --json [build options]\n"
    "\n"
    "Translates a WASI preview1 module to C with wasm2c, compiles it, and links it with the\n"
    "wasmaot WASI runtime into a native executable.\n"
    "\n"
    "commands:\n"
    "  build      build a native executable from a module\n"
    "  run        build into the cache (or find it there) and run it\n"
    "  serve      an HTTP server running the module once per request (CGI), each request\n"
    "             in a pristine instance\n"
    "  help CMD   all of CMD's options (also: wasmaot CMD --help)\n"
    "  --version  version, runtime-support location and this machine's default build\n"
    "\n"
    "for tools (output meant for programs, not people):\n"
    "  info --json [build options]\n"
    "             JSON: version, share_dir, wasm2c (path, version), the default build per\n"
    "             bounds mode, and for the given options the resolved options, guest_cflags,\n"
    "             host_main (source, cflags), link_libraries and every command wasmaot build\n"
    "             runs (commands: wasm2c, guest_compile, host_compile, link; {in}, {dir},\n"
    "             {out} stand for the module, the --keep-c directory and the executable)\n"
    "\n"
    "Sandbox: the guest sees no host file and no environment variable unless given --dir or\n"
    "--env (or --inherit-env).\n"
    "Exit status: the guest's proc_exit code (0 when _start returns); 134 if it trapped, after\n"
    "\"wasm trap: REASON\" on stderr; 1 after \"wasmaot: error: ...\" if wasmaot itself failed.\n"
    "More in the manual page: man wasmaot\n";

#define BUILD_OPTIONS                                                                              \
  "build options:\n"                                                                               \
  "  --tier quick|optimized the quick tier (tcc if installed, else clang-16 -O0; SIMD,\n"          \
  "                         atomics: -O0; builds fast, runs 10-30x slower) or the optimised\n"     \
  "                         one (default for build); run also takes auto (its default):\n"         \
  "                         quick at once, hot functions optimised while it runs, the\n"           \
  "                         optimised tier built in the background for later runs\n"               \
  "  --cc gcc|clang[-N]     C compiler (default: clang-16 if installed, else gcc;\n"               \
  "                         gcc with --bounds check); --cc or -O: one explicit build, no tiers\n"  \
  "  -O0 | -O1 | -O2 | -O3  optimisation level (default -O3; -O2 with --bounds check)\n"           \
  "  --bounds guard|check   guard pages + signal handler (default), or explicit checks\n"          \
  "  --unknown-imports error|trap|default\n"                                                       \
  "                         imports that are not WASI preview1: refuse the module (default),\n"    \
  "                         or link stubs that trap, or that return zeros, when called\n"          \
  "  -j N, --jobs N         compilers at once (default $WASMAOT_JOBS, else the cores); a module\n" \
  "                         with 128 KiB+ of code is split into up to N C files, and into\n"       \
  "                         files of at most 256 KiB of code each (the memory bound)\n"            \
  "  --keep-c DIR           also write the generated guest.c, guest.h, guest.data and\n"           \
  "                         guest_glue.h into DIR\n"                                               \
  "  --sanitize             build the host side with ASan+UBSan (implies --bounds check)\n"

#define RUNTIME_OPTIONS                                                                            \
  "runtime options (the guest sees no host file or variable it is not given):\n"                   \
  "  --dir HOST[::GUEST]    pre-open a host directory as GUEST (default: same path)\n"             \
  "  --env KEY=VALUE        set a guest environment variable (--env KEY: copy the host's)\n"       \
  "  --inherit-env          pass the whole host environment\n"                                     \
  "  --listen HOST:PORT     listen on HOST:PORT and give the socket to the guest\n"                \
  "  --argv0 NAME           the guest's argv[0]\n"

#define EXIT_STATUS                                                                                \
  "Exit status: the guest's proc_exit code (0 when _start returns); 134 if the guest\n"            \
  "trapped, after \"wasm trap: REASON\" on stderr; 2 if a runtime option was unusable (a --dir\n"  \
  "that cannot be opened); 1 after \"wasmaot: error: ...\" if wasmaot itself failed.\n"

static const char build_help[] =
    "usage: wasmaot build IN.wasm -o OUT [build options]\n"
    "\n"
    "Checks the module (a WASI command: exports _start and memory; every import a WASI\n"
    "preview1 function), translates it with wasm2c, compiles it and links it with the wasmaot\n"
    "runtime into OUT. A failed build leaves no file at OUT (an existing one is untouched).\n"
    "Run the result as: OUT [runtime options] [--] [ARGS...]\n"
    "\n"
    "  -o OUT                 the executable to write\n"
    "  -v, --verbose          say how long the build took and its largest process's "
    "memory\n" BUILD_OPTIONS "\n" RUNTIME_OPTIONS "\n"
    "Exit status of wasmaot build: 0 when OUT was written; 1 after \"wasmaot: error: ...\".\n"
    "Of OUT: " EXIT_STATUS;

static const char run_help[] =
    "usage: wasmaot run [build options] [runtime options] IN.wasm [runtime options] [--] "
    "[ARGS...]\n"
    "\n"
    "Builds the module into the cache, unless it is there already, and runs it with the\n"
    "runtime options and ARGS. After IN.wasm, runtime options are read up to \"--\" or the\n"
    "first argument that is not one; the rest goes to the guest.\n"
    "\n" BUILD_OPTIONS "\n" RUNTIME_OPTIONS
    "  -v, --verbose          say whether the cache was hit and which tier runs\n"
    "\n"
    "Tiers (--tier auto, the default): an uncached module runs at once on the quick tier\n"
    "while the optimised tier builds in the background (detached, niced, one per module);\n"
    "later runs use it. A module with under 16 KiB of code builds optimised at once. A failed\n"
    "background build leaves the quick tier in use and is not retried; -v says why.\n"
    "--tier quick or optimized runs that tier only; --cc or -O, one explicit build.\n"
    "\n"
    "Cache: $WASMAOT_CACHE, else $XDG_CACHE_HOME/wasmaot, else ~/.cache/wasmaot. An entry is\n"
    "keyed by sha256 of the module, the build options, the toolchain's identity (wasm2c, the C\n"
    "compiler, the runtime files and wasmaot itself) and the version; a second run of the same\n"
    "module and options does not translate it again.\n"
    "\n" EXIT_STATUS;

static const char serve_help[] =
    "usage: wasmaot serve [build options] IN.wasm --listen HOST:PORT [serve options]\n"
    "\n"
    "Builds the module with the serve host into the cache (its own entry, not run's) and\n"
    "serves HTTP/1.1 on HOST:PORT: every request runs the module's _start once, CGI-style\n"
    "(WAGI): the request in environment variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING,\n"
    "CONTENT_LENGTH, CONTENT_TYPE, SERVER_NAME, SERVER_PORT, HTTP_<HEADER>, ... per RFC 3875,\n"
    "and X_FULL_URL, X_RAW_PATH_INFO, X_MATCHED_ROUTE), the body on stdin, the response on\n"
    "stdout (Status:, Content-Type:, Location: CGI headers, an empty line, the body), stderr\n"
    "to the server's. No memory, global, table, descriptor or variable of one request is\n"
    "seen by the next. A guest that traps or exits non-zero gets a 500, an output without\n"
    "CGI headers a 502, a request past --timeout a 504.\n"
    "\n" BUILD_OPTIONS "\n"
    "serve options:\n"
    "  --listen HOST:PORT     where to listen (required; PORT 0: any free port, printed)\n"
    "  --dir HOST[::GUEST]    pre-open a host directory for every request\n"
    "  --env KEY=VALUE        a variable for every request (--env KEY: copy the host's)\n"
    "  --inherit-env          the whole host environment for every request\n"
    "  --workers N            worker processes, one instance each (default: the cores)\n"
    "  --timeout SECONDS      longest request, and longest wait for a client's request\n"
    "                         (default 10); past it: 504 (408 for a slow client)\n"
    "  --isolation reset|fresh|fork\n"
    "                         how each request gets a pristine instance: one instance reset\n"
    "                         after each request (default), a new instance per request, or a\n"
    "                         fork of the pristine worker per request\n"
    "  --max-body BYTES       largest request body (default 1048576); past it: 413\n"
    "  -v, --verbose          say whether the cache was hit; log every request\n"
    "\n"
    "Exit status: 0 after SIGINT or SIGTERM; 2 if an option was unusable; 1 if a worker could\n"
    "not start or after \"wasmaot: error: ...\" if the build failed.\n";

const char *help_text(const char *command) {
  if (!command)
    return overview;
  if (strcmp(command, "build") == 0)
    return build_help;
  if (strcmp(command, "run") == 0)
    return run_help;
  if (strcmp(command, "serve") == 0)
    return serve_help;
  return NULL;
}

int help_is_request(const char *arg) {
  return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}
