"""The long fuzz run over the FMD parsers and BoM tables (the short one is in ``make test``).

    python -m bench.fuzz [--minutes 10] [--targets ipc,iec,…] [--jobs 2] [--seed N]
                         [--no-atheris] [--corpus tests/fuzz_corpus] [--json OUT]

Runs the hypothesis strategies of ``tests/test_fuzz_parsers.py`` with the same property (parses
with invariants intact, or ``FmdError`` with a message and the path; < 2 s and < 200 MiB per
input) for many more examples, plus a coverage-guided atheris (libFuzzer) run over the raw bytes
when ``atheris`` is installed. Every failing input is written to ``tests/fuzz_corpus/`` (with a
``.why`` note), where ``test_corpus_replay`` turns it into a regression test; hypothesis shrinks
each failure first.

Each target runs in a child process under a watchdog: a child that stops reporting progress (a hang
inside C code, where no alarm reaches it) is killed, and the input it was working on is saved as
a hang. Children also run under an address-space limit, so a memory blow-up fails as MemoryError
instead of taking the machine down. Prints examples, examples/s and failures per target.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT / "tests" / "fuzz_corpus"
BOM_TARGETS = {"csv", "csv-mutated", "xlsx", "bom-consistent"}
#: A child that has not reported progress for this long is hanging (the in-process alarm fires
#: after 30 s, so this only triggers for hangs inside C code).
STALL_S = 90.0
#: Address space a child may add on top of what it had after start-up.
MEMORY_HEADROOM_BYTES = 3 * 1024**3
BATCH = 200  # examples per hypothesis run (a new seed each)
SHRINK_S = 60.0  # time hypothesis may spend shrinking one failure


@dataclass(slots=True)
class TargetStats:
    target: str
    examples: int = 0
    seconds: float = 0.0
    failures: int = 0  # failing inputs found (after shrinking), including known ones
    new_corpus_files: int = 0
    hangs: int = 0
    restarts: int = 0

    @property
    def rate(self) -> float:
        return self.examples / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------------------------------
# Child processes
# ---------------------------------------------------------------------------------------------


def _limit_memory() -> None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            vm = next(int(ln.split()[1]) * 1024 for ln in status if ln.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return
    limit = vm + MEMORY_HEADROOM_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class _Progress:
    """Counters a child writes to its stats file (the parent's watchdog reads the mtime)."""

    def __init__(self, path: Path, target: str) -> None:
        self.path = path
        self.data: dict[str, Any] = {"target": target, "examples": 0, "failures": 0,
                                     "saved": []}
        self.written = 0.0
        self.flush()

    def flush(self, force: bool = True) -> None:
        now = time.monotonic()
        if force or now - self.written > 1.0:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data), encoding="utf-8")
            tmp.replace(self.path)
            self.written = now


def hypothesis_worker(target: str, seconds: float, workdir: Path, corpus: Path,
                      stats_path: Path, seed: int) -> None:
    from hypothesis import Phase, Verbosity, given, settings
    from hypothesis import seed as use_seed

    from tests import test_fuzz_parsers as fz

    _limit_memory()
    progress = _Progress(stats_path, target)
    deadline = time.monotonic() + seconds
    last: list[tuple[fz.FuzzCase, list[str]]] = []
    shrink_until = [0.0]

    def body(case: fz.FuzzCase) -> None:
        now = time.monotonic()
        if now > (shrink_until[0] if last else deadline):
            return  # out of time: passing ends the run (or the shrink, keeping its best so far)
        problems = fz.check_case(case, workdir)
        progress.data["examples"] += 1
        progress.flush(force=False)
        if problems:
            if not last:
                shrink_until[0] = time.monotonic() + SHRINK_S
            last[:] = [(case, problems)]
            raise AssertionError("\n".join(problems))

    batch = 0
    while time.monotonic() < deadline:
        run = use_seed(seed * 1_000_003 + batch)(
            settings(fz.FUZZ_SETTINGS, max_examples=BATCH, derandomize=False,
                     verbosity=Verbosity.quiet, phases=[Phase.generate, Phase.shrink])(
                given(fz.STRATEGIES[target])(body)))
        batch += 1
        last.clear()
        try:
            run()
        except Exception as exc:  # the failure, or hypothesis' Flaky when it did not reproduce
            if not last:  # an error in a strategy: report it, carry on with the next seed
                print(f"[{target}] generation error: {type(exc).__name__}: {exc}", flush=True)
                progress.data["errors"] = progress.data.get("errors", 0) + 1
                continue
            case, problems = last[0]
            before = set(corpus.glob("*")) if corpus.is_dir() else set()
            saved = fz.save_case(case, problems, corpus)
            progress.data["failures"] += 1
            if saved not in before:
                progress.data["saved"].append(saved.name)
            print(f"[{target}] {saved.name}: {problems[0]}", flush=True)
        progress.flush()
    progress.flush()


def _atheris_seeds(directory: Path) -> None:
    from tests import test_fuzz_parsers as fz

    directory.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(fz.FIXTURE_XML):
        (directory / f"xml-{i}").write_bytes(b"\x00" + path.read_bytes())
    for i, path in enumerate(fz.SAMPLE_BOMS):
        (directory / f"csv-{i}").write_bytes(b"\x01" + path.read_bytes())


_SELECTORS = ((".xml", "xml"), (".csv", "bom"), (".xlsx", "bom"))


def atheris_worker(seconds: float, workdir: Path, corpus: Path, stats_path: Path,
                   seed: int) -> None:
    import atheris

    with atheris.instrument_imports(include=["fmd_parsers"]):
        import fmd_parsers  # noqa: F401  (instrumented for coverage feedback)
    from tests import test_fuzz_parsers as fz

    _limit_memory()
    progress = _Progress(stats_path, "atheris")

    def one_input(data: bytes) -> None:
        if not data:
            return
        suffix, kind = _SELECTORS[data[0] % len(_SELECTORS)]
        case = fz.FuzzCase(data[1:], suffix, kind)
        problems = fz.check_case(case, workdir, alarm=False)  # libFuzzer owns SIGALRM
        progress.data["examples"] += 1
        if problems:
            progress.data["failures"] += 1
            saved = fz.save_case(case, problems, corpus)
            if saved.name not in progress.data["saved"]:
                progress.data["saved"].append(saved.name)
                print(f"[atheris] {saved.name}: {problems[0]}", flush=True)
            progress.flush()
        else:
            progress.flush(force=False)

    seeds = workdir / "atheris-corpus"
    _atheris_seeds(seeds)
    atheris.Setup([sys.argv[0], f"-max_total_time={max(1, int(seconds))}", "-timeout=60",
                   f"-seed={seed}",
                   "-rss_limit_mb=4096", "-max_len=65536", f"-artifact_prefix={workdir}/",
                   "-print_final_stats=1", str(seeds)], one_input)
    atheris.Fuzz()


# ---------------------------------------------------------------------------------------------
# Parent: schedule children, watch them, collect figures
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Child:
    target: str
    process: subprocess.Popen[bytes]
    workdir: Path
    stats_path: Path
    ends_at: float
    started: float


def _read_stats(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


def _save_stalled_input(child: _Child, corpus: Path, reason: str) -> str | None:
    """The input a killed child was working on, saved to the corpus."""
    from tests import test_fuzz_parsers as fz

    inputs = sorted(child.workdir.glob("fuzz-input.*"), key=lambda p: p.stat().st_mtime)
    artifacts = sorted(child.workdir.glob("timeout-*")) + sorted(child.workdir.glob("oom-*"))
    if artifacts:  # libFuzzer's own timeout / out-of-memory report: selector byte + data
        raw = artifacts[-1].read_bytes()
        if not raw:
            return None
        suffix, kind = _SELECTORS[raw[0] % len(_SELECTORS)]
        case = fz.FuzzCase(raw[1:], suffix, kind)
        reason = f"{artifacts[-1].name.split('-')[0]} in libFuzzer"
        for artifact in artifacts:
            artifact.unlink()
    elif inputs:
        kind = "bom" if child.target in BOM_TARGETS else "xml"
        case = fz.FuzzCase(inputs[-1].read_bytes(), inputs[-1].suffix, kind)
    else:
        return None
    return fz.save_case(case, [reason], corpus).name


def _spawn(target: str, seconds: float, corpus: Path, seed: int, base: Path) -> _Child:
    workdir = Path(tempfile.mkdtemp(prefix=f"{target}-", dir=base))
    stats_path = workdir / "stats.json"
    command = [sys.executable, "-m", "bench.fuzz", "--worker", target, "--seconds",
               f"{seconds:.1f}", "--workdir", str(workdir), "--corpus", str(corpus),
               "--stats", str(stats_path), "--seed", str(seed)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=None,
                               stderr=subprocess.DEVNULL if target == "atheris" else None)
    now = time.monotonic()
    return _Child(target, process, workdir, stats_path, now + seconds, now)


def _merge(child: _Child, totals: dict[str, TargetStats]) -> None:
    data = _read_stats(child.stats_path)
    total = totals[child.target]
    total.examples += int(data.get("examples", 0))
    total.failures += int(data.get("failures", 0))
    total.new_corpus_files += len(data.get("saved", []))
    total.seconds += time.monotonic() - child.started


def run(targets: list[str], minutes: float, jobs: int, corpus: Path,
        seed: int) -> list[TargetStats]:
    budget = minutes * 60.0
    per_target = budget * jobs / len(targets)
    totals = {t: TargetStats(t) for t in targets}
    queue = [(t, per_target) for t in targets]
    running: list[_Child] = []
    base = Path(tempfile.mkdtemp(prefix="gscdm-fuzz-"))
    try:
        while queue or running:
            while queue and len(running) < jobs:
                target, seconds = queue.pop(0)
                running.append(_spawn(target, seconds, corpus, seed, base))
            time.sleep(0.5)
            for child in list(running):
                code = child.process.poll()
                stalled = False
                if code is None:
                    try:
                        quiet = time.time() - child.stats_path.stat().st_mtime
                    except OSError:
                        quiet = 0.0
                    stalled = quiet > STALL_S
                    overran = time.monotonic() > child.ends_at + 2 * SHRINK_S
                    if not (stalled or overran):
                        continue
                    child.process.kill()
                    child.process.wait()
                _merge(child, totals)
                running.remove(child)
                remaining = child.ends_at - time.monotonic()
                if stalled or (child.target == "atheris" and code not in (0, None)):
                    reason = f"hang: no progress for {STALL_S:.0f} s" if stalled else (
                        f"libFuzzer stopped with exit code {code}")
                    name = _save_stalled_input(child, corpus, reason)
                    totals[child.target].hangs += 1
                    if name:
                        totals[child.target].new_corpus_files += 1
                        print(f"[{child.target}] {name}: {reason}", flush=True)
                    if remaining > 5:
                        totals[child.target].restarts += 1
                        queue.append((child.target, remaining))
                elif code not in (0, None):
                    print(f"[{child.target}] worker exited with code {code}", flush=True)
    finally:
        for child in running:
            child.process.kill()
        shutil.rmtree(base, ignore_errors=True)
    return list(totals.values())


def _atheris_available() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="wall-clock budget")
    parser.add_argument("--targets", help="comma-separated targets (default: all)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="targets run side by side (default 2)")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--no-atheris", action="store_true", help="hypothesis only")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="where failing inputs go (default tests/fuzz_corpus)")
    parser.add_argument("--json", dest="json_out", help="also write the figures to this file")
    # internal: one child process
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()

    if args.worker:
        sys.argv = [sys.argv[0], *rest]
        if args.worker == "atheris":
            atheris_worker(args.seconds, args.workdir, args.corpus, args.stats, args.seed)
        else:
            hypothesis_worker(args.worker, args.seconds, args.workdir, args.corpus, args.stats,
                              args.seed)
        return

    from tests.test_fuzz_parsers import STRATEGIES

    targets = args.targets.split(",") if args.targets else list(STRATEGIES)
    if not args.targets and not args.no_atheris and _atheris_available():
        targets.append("atheris")
    if "atheris" in targets and not _atheris_available():
        parser.error("target atheris needs the atheris package (pip install atheris)")
    unknown = [t for t in targets if t not in STRATEGIES and t != "atheris"]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(STRATEGIES)}")
    jobs = max(1, min(args.jobs, len(targets)))
    print(f"fuzzing {', '.join(targets)} for {args.minutes:g} min on {jobs} process(es), "
          f"seed {args.seed}; failures go to {args.corpus}", flush=True)
    results = run(targets, args.minutes, jobs, args.corpus, args.seed)

    print(f"\n{'target':16} {'examples':>9} {'seconds':>8} {'ex/s':>7} {'failures':>8} "
          f"{'new files':>9} {'hangs':>5}")
    for r in results:
        print(f"{r.target:16} {r.examples:9d} {r.seconds:8.0f} {r.rate:7.1f} {r.failures:8d} "
              f"{r.new_corpus_files:9d} {r.hangs:5d}")
    examples = sum(r.examples for r in results)
    seconds = sum(r.seconds for r in results)
    print(f"{'total':16} {examples:9d} {seconds:8.0f} {examples / max(seconds, 1e-9):7.1f} "
          f"{sum(r.failures for r in results):8d} {sum(r.new_corpus_files for r in results):9d} "
          f"{sum(r.hangs for r in results):5d}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(
            {"minutes": args.minutes, "seed": args.seed, "jobs": jobs,
             "targets": [dict(asdict(r), examples_per_s=r.rate) for r in results]}, indent=2),
            encoding="utf-8")
    if any(r.new_corpus_files for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
