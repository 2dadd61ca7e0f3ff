#!/usr/bin/env python3
"""wasmaot installed like a system tool, then moved, still works on its own.

    install_test.py install --build BUILD   cmake --install into a scratch DESTDIR, move the
                                            prefix elsewhere, run hello, cpu-hash and the sandbox
                                            guest through the moved wasmaot; then uninstall
    install_test.py package --build BUILD   cpack -G DEB, check its control fields and file list,
                                            run hello through the unpacked package

Everything runs from a scratch directory outside the source tree, with the build tree off
PATH, no WASMAOT_SHARE_DIR and a fresh WASMAOT_CACHE: the installed wasmaot has only itself
and its prefix to go by."""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
        if detail:
            print("     " + str(detail).replace("\n", "\n     "), flush=True)
    return cond


def run(argv, env=None, cwd=None, timeout=300, check_rc=True):
    r = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check_rc and r.returncode != 0:
        sys.exit(f"FAIL {' '.join(map(str, argv))}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def tree(root):
    """Relative paths of the files and symlinks under root."""
    out = set()
    for d, _, files in os.walk(root):
        for f in files:
            out.add(os.path.relpath(os.path.join(d, f), root))
    return out


def clean_env(scratch, build, source):
    """The user's environment without the build tree: PATH entries inside the source or build
    tree are dropped, WASMAOT_* unset, HOME and the cache in the scratch directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WASMAOT_")}
    inside = (os.path.realpath(build), os.path.realpath(source))
    path = [p for p in env.get("PATH", "/usr/bin:/bin").split(":")
            if p and not any(os.path.realpath(p).startswith(t + "/") or os.path.realpath(p) == t
                             for t in inside)]
    env["PATH"] = ":".join(path)
    env["HOME"] = os.path.join(scratch, "home")
    env["WASMAOT_CACHE"] = os.path.join(scratch, "cache")
    env.pop("XDG_CACHE_HOME", None)
    os.makedirs(env["HOME"], exist_ok=True)
    return env


def sha256_chain(n):
    """What `cpu-hash N` prints, computed here as a second reference beside the native build."""
    buf = b"hello".ljust(32, b"\0")
    for _ in range(n):
        buf = hashlib.sha256(buf).digest()
    return buf.hex()


def snapshot(root, skip):
    out = {}
    for rel in sorted(tree(root)):
        if rel.split(os.sep)[0] == skip:
            continue
        p = os.path.join(root, rel)
        st = os.lstat(p)
        out[rel] = (st.st_mode, st.st_size, st.st_mtime_ns,
                    open(p, "rb").read() if os.path.isfile(p) else None)
    return out


def exercise(wasmaot, prefix, build, scratch, env):
    """Runs the workloads through an installed wasmaot at PREFIX/bin/wasmaot."""
    work = os.path.join(scratch, "work")
    os.makedirs(work, exist_ok=True)
    for src in ("workloads/hello.wasm", "workloads/cpu-hash.wasm",
                "tests/wasi/guests/sandbox_guest.wasm"):
        shutil.copy(os.path.join(build, src), work)

    r = run([wasmaot, "--version"], env=env, cwd=work)
    share = os.path.join(prefix, "share", "wasmaot")
    check(share in r.stdout, "--version names the moved prefix's share/wasmaot", r.stdout)

    r = run([wasmaot, "run", "-v", "hello.wasm"], env=env, cwd=work, check_rc=False)
    check(r.returncode == 0 and r.stdout == "hello\n", "run hello.wasm prints hello",
          f"exit {r.returncode}\n{r.stdout}{r.stderr}")
    check("cache miss" in r.stderr and env["WASMAOT_CACHE"] in r.stderr,
          "the first run builds into WASMAOT_CACHE", r.stderr)
    r = run([wasmaot, "run", "-v", "hello.wasm"], env=env, cwd=work, check_rc=False)
    check(r.returncode == 0 and "cache hit" in r.stderr, "the second run is a cache hit",
          r.stderr)

    n = 5000
    native = run([os.path.join(build, "workloads", "cpu-hash.native"), str(n)]).stdout
    check(native.strip() == sha256_chain(n), "cpu-hash.native agrees with hashlib", native)
    r = run([wasmaot, "build", "cpu-hash.wasm", "-o", "cpu-hash"], env=env, cwd=work,
            check_rc=False)
    check(r.returncode == 0, "build cpu-hash.wasm -o cpu-hash", r.stderr)
    if r.returncode == 0:
        r = run(["./cpu-hash", str(n)], env=env, cwd=work, check_rc=False)
        check(r.returncode == 0 and r.stdout == native, f"built cpu-hash {n} = native digest",
              f"got {r.stdout!r} want {native!r} {r.stderr}")
    # The quick tier alone: the default (auto) would leave the optimised build running in the
    # background, into a cache this test removes (tests/pipeline/test_tiers.c tests auto).
    r = run([wasmaot, "run", "--tier", "quick", "cpu-hash.wasm", "--", str(n)], env=env, cwd=work,
            check_rc=False)
    check(r.returncode == 0 and r.stdout == native, f"run --tier quick cpu-hash.wasm {n} = native digest",
          f"got {r.stdout!r} want {native!r} {r.stderr}")

    # The sandbox guest with one preopen: every way out of it must be refused, and nothing
    # beside it may change on the host.
    box = os.path.join(work, "box")
    for d in ("sandbox/sub", "outside/dir"):
        os.makedirs(os.path.join(box, d))
    open(os.path.join(box, "sandbox/sub/file"), "w").write("inside\n")
    open(os.path.join(box, "outside/canary"), "w").write("canary\n")
    before = snapshot(box, "sandbox")
    for scenario in ("dotdot", "absolute"):
        r = run([wasmaot, "run", "sandbox_guest.wasm", "--dir", "box/sandbox", "--", scenario],
                env=env, cwd=work, check_rc=False)
        check(r.returncode == 0 and "FAIL" not in r.stdout and "0 failures" in r.stdout,
              f"sandbox guest {scenario} through a --dir preopen",
              f"exit {r.returncode}\n{r.stdout}{r.stderr}")
    check(snapshot(box, "sandbox") == before, "nothing outside the preopen changed")

    r = run([wasmaot, "build", "hello.wasm"], env=env, cwd=work, check_rc=False)
    check(r.returncode == 1 and r.stderr.startswith("wasmaot: error: "),
          "a usage error exits 1 with wasmaot: error:", f"exit {r.returncode} {r.stderr}")
    for argv in (["help", "run"], ["run", "--help"], ["help", "build"], ["build", "--help"]):
        r = run([wasmaot] + argv, env=env, cwd=work, check_rc=False)
        check(r.returncode == 0 and "--bounds guard|check" in r.stdout
              and "--unknown-imports" in r.stdout, f"wasmaot {' '.join(argv)}", r.stdout)


def installed_files_ok(prefix, build):
    files = tree(prefix)
    share = tree(os.path.join(build, "share", "wasmaot"))
    check("bin/wasmaot" in files, "bin/wasmaot installed")
    check("share/man/man1/wasmaot.1" in files, "share/man/man1/wasmaot.1 installed")
    missing = sorted(f for f in share if os.path.join("share/wasmaot", f) not in files)
    check(share and not missing, "all of build/share/wasmaot installed", missing)
    for f in ("lib/libwasmaot-wasi.a", "include/wasm-rt.h", "include/wasmaot-runtime.h",
              "src/host_main.c"):
        check(f in share, f"share/wasmaot/{f} present")
    exe = open(os.path.join(prefix, "bin/wasmaot"), "rb").read()
    check(os.path.realpath(build).encode() not in exe,
          "the installed wasmaot embeds no build-tree path")


def test_install(build, source, scratch):
    prefix = "/opt/wasmaot-install-test"
    destdir = os.path.join(scratch, "destdir")
    env = dict(os.environ, DESTDIR=destdir)
    # The component install writes build/install_manifest_wasmaot.txt, leaving
    # install_manifest.txt (the user's `make uninstall`) alone.
    run(["cmake", "--install", build, "--component", "wasmaot", "--prefix", prefix], env=env)
    staged = destdir + prefix
    installed_files_ok(staged, build)

    moved = os.path.join(scratch, "elsewhere", "wasmaot-moved")
    os.makedirs(os.path.dirname(moved))
    os.rename(staged, moved)
    check(not os.path.exists(staged), "the prefix was moved away")
    uenv = clean_env(scratch, build, source)
    exercise(os.path.join(moved, "bin", "wasmaot"), moved, build, scratch, uenv)

    # man-db finds PREFIX/share/man from PATH's PREFIX/bin, so `man wasmaot` works wherever
    # the prefix went.
    if shutil.which("man"):
        menv = dict(uenv, PATH=os.path.join(moved, "bin") + ":" + uenv["PATH"])
        menv.pop("MANPATH", None)
        r = run(["man", "-w", "wasmaot"], env=menv, check_rc=False)
        check(r.stdout.strip() == os.path.join(moved, "share/man/man1/wasmaot.1"),
              "man -w wasmaot finds the moved manual page", r.stdout + r.stderr)
        r = run(["man", "--warnings", "-l", os.path.join(moved, "share/man/man1/wasmaot.1")],
                env=dict(menv, MANWIDTH="100", MAN_KEEP_FORMATTING=""), check_rc=False)
        check(r.returncode == 0 and not r.stderr and "EXIT STATUS" in r.stdout
              and "SANDBOX" in r.stdout and "CACHE" in r.stdout,
              "the manual page renders without warnings", r.stderr)

    # Uninstall: a fresh install, then the manifest-driven removal `make uninstall` does.
    destdir2 = os.path.join(scratch, "destdir2")
    run(["cmake", "--install", build, "--component", "wasmaot", "--prefix", prefix],
        env=dict(os.environ, DESTDIR=destdir2))
    manifest = os.path.join(scratch, "manifest.txt")
    shutil.copy(os.path.join(build, "install_manifest_wasmaot.txt"), manifest)
    check(all(l.startswith(prefix + "/") for l in open(manifest).read().split()),
          "the manifest lists the paths under PREFIX")
    run(["cmake", f"-DMANIFEST={manifest}", "-P",
         os.path.join(source, "packaging", "uninstall.cmake")],
        env=dict(os.environ, DESTDIR=destdir2))
    left = tree(destdir2)
    check(not left, "uninstall removed every installed file", sorted(left)[:10])
    check(not os.path.exists(destdir2 + prefix + "/share/wasmaot"),
          "uninstall removed share/wasmaot")


def test_package(build, source, scratch):
    out = os.path.join(scratch, "pkg")
    run(["cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", out])
    debs = [f for f in os.listdir(out) if f.endswith(".deb")]
    if not check(len(debs) == 1, "cpack made one .deb", os.listdir(out)):
        return
    deb = os.path.join(out, debs[0])
    version = None
    for line in open(os.path.join(build, "CMakeCache.txt")):
        if line.startswith("CMAKE_PROJECT_VERSION:"):
            version = line.strip().split("=", 1)[1]
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    check(debs[0] == f"wasmaot_{version}_{arch}.deb", f"file name wasmaot_{version}_{arch}.deb",
          debs[0])

    def field(name):
        return run(["dpkg-deb", "-f", deb, name]).stdout.strip()

    check(field("Package") == "wasmaot", "Package: wasmaot")
    check(field("Version") == version, f"Version: {version}", field("Version"))
    check(field("Architecture") == arch, f"Architecture: {arch}")
    check(field("Section") == "devel", "Section: devel", field("Section"))
    check("@" in field("Maintainer"), "Maintainer: set", field("Maintainer"))
    check("WASI" in field("Description"), "Description: set", field("Description"))
    depends = [d.strip() for d in field("Depends").split(",")]
    names = {d.split()[0] for d in depends}
    check({"gcc", "libc6", "libc6-dev"} <= names, "Depends: gcc, libc6, libc6-dev", depends)
    check(any(n.startswith("libssl") for n in names), "Depends: libssl (libcrypto)", depends)
    check("clang-16" in field("Recommends"), "Recommends: clang-16", field("Recommends"))
    check("tcc" in field("Recommends"), "Recommends: tcc", field("Recommends"))

    listing = run(["dpkg-deb", "-c", deb]).stdout.splitlines()
    paths = {l.split()[5].lstrip(".") for l in listing if len(l.split()) >= 6}
    files = {p for p in paths if not p.endswith("/")}
    check(all(p.startswith("/usr/") for p in files), "everything under /usr",
          sorted(p for p in files if not p.startswith("/usr/")))
    check("/usr/bin/wasmaot" in files, "/usr/bin/wasmaot packaged")
    check("/usr/share/man/man1/wasmaot.1" in files, "/usr/share/man/man1/wasmaot.1 packaged")
    share = tree(os.path.join(build, "share", "wasmaot"))
    missing = sorted(f for f in share if "/usr/share/wasmaot/" + f not in files)
    check(not missing, "all of build/share/wasmaot packaged", missing)
    wasm2c_shipped = "/usr/share/wasmaot/libexec/wasm2c" in files
    check(wasm2c_shipped != ("wabt" in names),
          "wasm2c either ships in share/wasmaot/libexec or comes from Depends: wabt", depends)
    check(any(l.startswith("-rwxr-xr-x") and l.endswith("/usr/bin/wasmaot") for l in listing),
          "/usr/bin/wasmaot is executable")

    # The package's files, unpacked anywhere, work as they are: the same relocation the
    # installed package relies on at /usr.
    root = os.path.join(scratch, "unpacked")
    run(["dpkg-deb", "-x", deb, root])
    env = clean_env(scratch, build, source)
    work = os.path.join(scratch, "work")
    os.makedirs(work, exist_ok=True)
    shutil.copy(os.path.join(build, "workloads", "hello.wasm"), work)
    r = run([os.path.join(root, "usr/bin/wasmaot"), "run", "hello.wasm"], env=env, cwd=work,
            check_rc=False)
    check(r.returncode == 0 and r.stdout == "hello\n", "the unpacked package runs hello.wasm",
          f"exit {r.returncode}\n{r.stdout}{r.stderr}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["install", "package"])
    ap.add_argument("--build", required=True)
    ap.add_argument("--source", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    a = ap.parse_args()
    build, source = os.path.realpath(a.build), os.path.realpath(a.source)
    # Outside both trees (the system's temporary directory), so nothing is found by accident
    # relative to the current directory.
    scratch = tempfile.mkdtemp(prefix=f"wasmaot-{a.what}-test-")
    if scratch.startswith(build + "/") or scratch.startswith(source + "/"):
        sys.exit(f"FAIL the scratch directory {scratch} is inside the source tree")
    try:
        (test_install if a.what == "install" else test_package)(build, source, scratch)
    finally:
        if a.keep or failures:
            print(f"scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    if failures:
        sys.exit(f"{len(failures)} check(s) failed: " + "; ".join(failures))
    print("all checks passed")


if __name__ == "__main__":
    main()
