"""Time cold and warm builds of the site and count the code blocks each one re-ran.

Every build runs in a temporary copy of the repository, so the working tree
and its caches are never touched. The steps, in order:

1. cold: fresh cache folders, every code block runs;
2. warm: nothing changed;
3. prose edit: one sentence added to a page;
4. snippet edit: a comment added to one snippet file;
5. medguide edit: a comment added to one medguide module;
6. prose edit, serve: ``mkdocs serve`` runs, one more sentence is added to
   the page, and the step lasts from the edit until the server has rebuilt
   the site. This is the wait of an author who edits with ``make serve``:
   the new process of step 3 also pays for starting Python and importing
   every plugin, about 1.5 s.

The table goes to standard output and the figures, with the date and the
machine, to a JSON file (default ``docs/about/build-timing.json``) that the
"How this site is built" page renders. Run from the repository root::

    MEDGUIDE_DATA_DIR=/path/to/medmnist .venv/bin/python -m tools.build_timing

A full run builds the site six times; the cold build dominates.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import queue
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = Path(sys.executable).parent / "mkdocs"
OUTPUT = ROOT / "docs" / "about" / "build-timing.json"
BLOCK_REPORT = Path(".cache") / "markdown-exec" / "last-build.json"

# Folders a build does not read, or that belong to the working tree's own builds.
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "site", ".cache", "__pycache__", "*.egg-info", ".pytest_cache")

PROSE_EDIT = "\n\nThis sentence was added to time a rebuild after a prose edit.\n"
CODE_EDIT = "\n# Added to time a rebuild after a code edit.\n"

TARGET_SECONDS = {"cold": 180.0, "prose edit": 5.0, "prose edit, serve": 5.0}
"""Build-time targets: the cold build with all demonstrations, and the rebuild after a prose edit."""

_SERVING = "Serving on"
# MkDocs logs either line when a rebuild is done. Under load the first one was
# seen to go missing from the server's log, so either counts.
_BUILT = re.compile(r"Documentation built in [\d.]+ seconds|Reloading browsers")


@dataclass(frozen=True)
class BuildTime:
    """One timed build: its step, wall and CPU time in seconds and how many code blocks ran or came from the cache.

    ``cpu_seconds`` adds user and system time of the build and of the
    processes it started and waited for (notebook kernels, Chromium). It is the better figure on a
    machine that other work shares, where wall time grows with the load.
    """

    step: str
    seconds: float
    cpu_seconds: float
    blocks: int
    ran: int
    cached: int
    replayed: int
    changed_file: str
    exit_code: int = 0


def copy_repository(source: Path, target: Path) -> Path:
    """Copy the files a build reads (no .git, .venv, site or caches) into ``target``; return it."""
    shutil.copytree(source, target, ignore=COPY_IGNORE)
    return target


def build_environment(repo: Path) -> dict[str, str]:
    """Return the environment of a build in ``repo``: its own code first, its own caches, no inherited cache folder."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(repo)}
    for name in ("MEDGUIDE_CACHE_DIR", "GUIDE_CACHE_ROOT", "GUIDE_NO_BLOCK_CACHE", "GUIDE_PERTURB_SEED"):
        env.pop(name, None)
    return env


def run_build(
    repo: Path,
    site_dir: Path,
    step: str,
    changed_file: str = "",
    env: dict[str, str] | None = None,
    allow_failure: bool = False,
) -> BuildTime:
    """Run ``mkdocs build --strict`` in ``repo``; return its times and block counts.

    A failed build raises ``RuntimeError`` unless ``allow_failure`` is true,
    in which case its exit code is recorded with the times.
    """
    report_path = repo / BLOCK_REPORT
    report_path.unlink(missing_ok=True)  # a build that stops early must not leave the last build's counts
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(site_dir)],
        cwd=repo,
        env=env if env is not None else build_environment(repo),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0 and not allow_failure:
        raise RuntimeError(f"build_timing: the {step} build failed (exit {result.returncode}):\n{result.stderr[-4000:]}")

    report = _read_block_report(report_path)
    return BuildTime(
        step=step,
        seconds=round(seconds, 1),
        cpu_seconds=round(cpu_seconds, 1),
        blocks=report["blocks"],
        ran=report["ran"],
        cached=report["cached"],
        replayed=report["replayed"],
        changed_file=changed_file,
        exit_code=result.returncode,
    )


def _read_block_report(path: Path) -> dict[str, int]:
    # A build that stopped before its end wrote no report: count no blocks.
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"blocks": 0, "ran": 0, "cached": 0, "replayed": 0}


def append_text(path: Path, text: str) -> None:
    """Append ``text`` to the file at ``path``."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def time_builds(repo: Path, prose_page: str, snippet: str, module: str, allow_failure: bool = False) -> list[BuildTime]:
    """Build ``repo`` five times (cold, warm, after a prose, a snippet and a medguide edit), then time a rebuild by ``mkdocs serve``; return the times."""
    site_dir = repo / "site"
    run = functools.partial(run_build, allow_failure=allow_failure)
    times = [run(repo, site_dir, "cold"), run(repo, site_dir, "warm")]
    for step, relative, text in (
        ("prose edit", prose_page, PROSE_EDIT),
        ("snippet edit", snippet, CODE_EDIT),
        ("medguide edit", module, CODE_EDIT),
    ):
        path = repo / relative
        if not path.is_file():
            raise FileNotFoundError(f"build_timing: {relative} does not exist in the repository; pass another file for the {step}.")
        append_text(path, text)
        times.append(run(repo, site_dir, step, relative))
    times.append(time_serve_rebuild(repo, prose_page))
    return times


def time_serve_rebuild(repo: Path, page: str, env: dict[str, str] | None = None, timeout: float = 600) -> BuildTime:
    """Start ``mkdocs serve`` in ``repo``, add a sentence to ``page`` and time the rebuild the server makes.

    The time runs from the edit until the server logs that the rebuild is
    done, so it includes the server noticing the change. The CPU time is
    the server's own, read from ``/proc`` where the system has it (0.0
    elsewhere). The server listens on a free port of 127.0.0.1 and is
    stopped before the function returns.
    """
    path = repo / page
    if not path.is_file():
        raise FileNotFoundError(f"time_serve_rebuild: {page} does not exist in {repo}; pass a page of the site.")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(MKDOCS), "serve", "--strict", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=repo,
        env=env if env is not None else build_environment(repo),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in server.stderr], daemon=True)
    reader.start()
    try:
        _wait_for_line(lines, server, lambda line: _SERVING in line, timeout, "serve the site")
        report_path = repo / BLOCK_REPORT
        report_path.unlink(missing_ok=True)
        cpu_before = _process_cpu_seconds(server.pid)
        append_text(path, PROSE_EDIT)
        started = time.perf_counter()
        _wait_for_line(lines, server, lambda line: _BUILT.search(line) is not None, timeout, "rebuild after the edit")
        seconds = time.perf_counter() - started
        cpu_seconds = _process_cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        reader.join(timeout=10)  # the log ends when the server has exited
        server.stderr.close()
    report = _read_block_report(report_path)
    return BuildTime("prose edit, serve", round(seconds, 1), round(cpu_seconds, 1), report["blocks"], report["ran"], report["cached"], report["replayed"], page)


def _wait_for_line(lines: queue.Queue, server: subprocess.Popen, matches, timeout: float, expected_event: str) -> str:
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.05)
        except queue.Empty:
            if server.poll() is not None and lines.empty():
                raise RuntimeError(f"time_serve_rebuild: mkdocs serve exited with code {server.returncode} before it could {expected_event}:\n{''.join(seen[-40:])}") from None
            continue
        seen.append(line)
        if matches(line):
            return line
    raise TimeoutError(f"time_serve_rebuild: mkdocs serve did not {expected_event} within {timeout:g} s:\n{''.join(seen[-40:])}")


def _process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # proc(5) numbers utime and stime 14 and 15 (in clock ticks). Counted from
    # the field after the command name, they are at index 11 and 12.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_description() -> dict[str, object]:
    """Return what the timings depend on: CPU count, processor, operating system and Python."""
    return {
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def format_table(times: list[BuildTime]) -> str:
    """Return the times as a Markdown table."""
    lines = [
        "| step | seconds | CPU seconds | blocks ran | from cache | replayed | changed file | exit code |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    lines += [
        f"| {t.step} | {t.seconds:.1f} | {t.cpu_seconds:.1f} | {t.ran} | {t.cached} | {t.replayed} | {t.changed_file} | {t.exit_code} |"
        for t in times
    ]
    return "\n".join(lines)


def timing_record(times: list[BuildTime]) -> dict[str, object]:
    """Return the JSON record of a timing run: date, machine, targets, the raw builds and display rows.

    ``rows`` contains one dict per build with readable column names, in the
    layout that ``tools.quality.build_timing_markdown`` renders as a table.
    """
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_description(),
        "command": "python -m tools.build_timing",
        "targets_seconds": TARGET_SECONDS,
        "builds": [asdict(t) for t in times],
        "rows": [
            {
                "build": t.step,
                "wall seconds": t.seconds,
                "CPU seconds": t.cpu_seconds,
                "blocks ran": t.ran,
                "from cache": t.cached,
                "replayed": t.replayed,
                "changed file": t.changed_file or "none",
            }
            for t in times
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="JSON file to write (default: %(default)s)")
    parser.add_argument("--prose-page", default="docs/getting-started.md", help="page that gets a sentence added")
    parser.add_argument("--snippet", default="snippets/getting_started/gs03_positive_class.py", help="snippet that gets a comment added")
    parser.add_argument("--module", default="medguide/preprocessing.py", help="medguide module that gets a comment added")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy and print its folder")
    parser.add_argument(
        "--allow-failed-build",
        action="store_true",
        help="record a build that exits with an error instead of stopping (the exit code goes into the table and JSON)",
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="build-timing-"))
    try:
        repo = copy_repository(ROOT, workdir / "repo")
        times = time_builds(repo, args.prose_page, args.snippet, args.module, args.allow_failed_build)
    finally:
        if args.keep:
            print(f"temporary copy kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(format_table(times))
    for step, limit in TARGET_SECONDS.items():
        measured = next(t for t in times if t.step == step)
        verdict = "met" if measured.seconds <= limit else "MISSED"
        print(f"{step}: {measured.seconds:.1f} s wall, {measured.cpu_seconds:.1f} s CPU, target {limit:.0f} s wall: {verdict}")
    if any(t.exit_code for t in times):
        print("Some builds failed, so their times may leave out steps after the failure.")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(timing_record(times), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
