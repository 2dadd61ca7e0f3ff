"""What the figures were measured on: CPU, cores, memory, kernel, OS, and tool versions."""

import json
import os
import platform
import subprocess


def _first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def describe() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kib = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kib = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    os_name = "unknown"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
            "kernel": platform.release(), "os": os_name, "hostname": platform.node(),
            "python": platform.python_version(),
            # The machine is shared: the load when the run started says how noisy it was.
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}


def _wasm2c_version(build: str) -> str:
    """The wasm2c wasmaot runs (not on PATH: beside its runtime), from `wasmaot info --json`."""
    try:
        out = subprocess.run([os.path.join(build, "bin", "wasmaot"), "info", "--json"],
                             capture_output=True, text=True, timeout=30)
        info = json.loads(out.stdout)
        return "%s (%s)" % (info["wasm2c"]["version"], info["wasm2c"]["path"])
    except (OSError, subprocess.TimeoutExpired, ValueError, KeyError):
        return "unknown"


def tool_versions(rows: list[dict], build: str) -> dict:
    tools = {"gcc": _first_line(["gcc", "--version"]), "clang": _first_line(["clang", "--version"]),
             "clang-16": _first_line(["clang-16", "--version"]),
             "wasm2c": _wasm2c_version(build), "wrk": _first_line(["wrk", "--version"]),
             "openssl": _first_line(["openssl", "version"])}
    # The source the harness ran from (the build directory may be older: rebuild before a run).
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tools["wasmaot source"] = _first_line(["git", "-C", repo, "describe", "--always", "--dirty"])
    for r in rows:
        if r["installed"] and r["version"]:
            tools[r["row"]] = r["version"]
    return tools
