"""`make bench`: our pipeline against the reference toolchain and the bare MRML compile, on the same inputs.

One run, side by side, on reports generated from the sample content (varied text, same shape) in a temp
project:

(a) ours: one report through the whole pipeline in this process (read, YAML, validate, render newsletter
    and press release, text parts, both .eml, manifest); the press PDF, made only by `build --pdf`, is
    timed on its own;
(b) reference: Node mjml 5 (which inlines our `mj-style inline` block with juice) compiling the same MJML
    documents in one warm Node process (`reference.mjs`; start-up not counted);
(c) floor: the bare MRML compile (mjml-python) of the same MJML documents.

One sample is one report: two MJML documents (newsletter and press email) for (b) and (c), everything
for (a). Python and Node phases alternate twice. Then the CLI as a user runs it, in fresh processes with
normal bytecode caching: 1,000 reports from scratch (with peak memory of the whole process tree), a no-op
rebuild, one changed report, `--help`, `check` of one file. Prints a table; writes out/bench.json.

Usage: .venv/bin/python benchmarks/run.py [--reports 1000] [--seconds 3] [--repeats 3] [--json out/bench.json]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]

TARGETS = {  # name: (limit, how it is compared) — issue 6
    "ours_vs_reference": (0.10, "ours_ms_per_email / reference_ms_per_email ≤ 0.10"),
    "ours_vs_mrml": (4.0, "ours_ms_per_email / mrml_ms_per_email ≤ 4"),
    "build_1000_s": (2.0, "1,000 reports from scratch ≤ 2 s wall"),
    "noop_rebuild_1000_s": (0.5, "no-op rebuild of 1,000 ≤ 0.5 s wall"),
    "changed_rebuild_1000_s": (0.3, "one changed report among 1,000 ≤ 0.3 s wall"),
    "cli_help_s": (0.15, "`newsroom --help` ≤ 0.15 s wall"),
    "peak_rss_mb_1000": (250.0, "peak memory building 1,000 reports ≤ 250 MB"),
}


# --- inputs -------------------------------------------------------------------------------------


WORDS = ("Industrie", "Wasserstoff", "Region", "Zukunft", "Netzwerk", "Förderung", "Fachkräfte", "Energie",
         "Digitalisierung", "Standort", "Mittelstand", "Innovation", "Klimaschutz", "Forschung")


def make_project(root: Path, count: int) -> list[Path]:
    """A project in `root` with `count` reports varied from the sample reports; returns their paths."""
    shutil.copytree(REPO / "content", root / "content", ignore=shutil.ignore_patterns("reports"))
    shutil.copytree(REPO / "templates", root / "templates")
    reports = root / "content" / "reports"
    reports.mkdir()
    shapes = [yaml.safe_load(path.read_text(encoding="utf-8"))
              for path in sorted((REPO / "content" / "reports").glob("[!_]*.yaml"))]
    paths = []
    for i in range(count):
        data = vary(shapes[i % len(shapes)], i)
        date = data["event"]["date"]
        path = reports / f"{date:%Y-%m-%d}-bericht-{i:04d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=88), encoding="utf-8")
        paths.append(path)
    return paths


def vary(shape: dict, i: int) -> dict:
    """The same shape with other text: paragraphs shuffled, a sentence added, lists reordered, another date."""
    rnd = random.Random(i)
    data = json.loads(json.dumps(shape, default=str))  # a deep copy; dates become strings
    data.pop("translation", None)  # a copy has no partner report
    words = rnd.sample(WORDS, 4)
    data["title"] = f"{data['title'][:90]} – {words[0]} {i}"
    paragraphs = data["body"].strip().split("\n\n")
    rnd.shuffle(paragraphs)
    paragraphs.append(f"{words[1]} und {words[2]} standen im Mittelpunkt von Bericht {i}; "
                      f"das Thema {words[3]} wird im nächsten Jahr vertieft.")
    data["body"] = "\n\n".join(paragraphs) + "\n"
    for key in ("workshops", "speakers", "conclusions", "quotes", "links"):
        if isinstance(data.get(key), list):
            rnd.shuffle(data[key])
    day = dt.date.fromisoformat(str(data["event"]["date"])) + dt.timedelta(days=i % 700)
    data["event"]["date"] = day
    data["event"].pop("end_date", None)
    if isinstance(data.get("press"), dict):  # an embargo or publication time does not change the work
        data["press"].pop("embargo", None)
        data["press"].pop("published", None)
    return data


# --- (a) and (c): in this process ---------------------------------------------------------------


class Pipeline:
    """Our unit of work on one report file, with the MJML documents it compiled captured on the side."""

    def __init__(self, root: Path):
        from pipeline import cache
        from pipeline.build import Project
        from pipeline.config import SETTINGS_FILE, load_settings
        from pipeline.manifest import sha256_bytes, templates_fingerprint
        from pipeline.pool import Displays

        self.project = Project(root)
        self.display = Displays(self.project)  # the build's own (a folder is resolved once)
        self.settings = load_settings(self.project.content_dir)
        self.inputs = cache.Inputs(sha256_bytes((self.project.content_dir / SETTINGS_FILE).read_bytes()),
                                   templates_fingerprint(self.project.template_dir))

    def run(self, path: Path):
        """read → YAML → validate → render → files (.eml included) → manifest, as `build` does on a miss."""
        from pipeline.content import parse_yaml
        from pipeline.model import validate
        from pipeline.pool import render_report

        raw = path.read_bytes()
        report = validate(parse_yaml(raw, self.display(path)), self.project.content_dir, self.settings.timezone)
        return render_report(report, self.settings, self.project, self.inputs)

    def mjml_of(self, path: Path) -> list[str]:
        """The MJML documents our pipeline compiles for this report (newsletter, press email), as compiled."""
        from pipeline.render import email as email_stage

        seen: list[str] = []
        original = email_stage.compile_mjml

        def spy(source, *args, **kwargs):
            seen.append(source)
            return original(source, *args, **kwargs)

        email_stage.compile_mjml = spy
        try:
            self.run(path)
        finally:
            email_stage.compile_mjml = original
        return seen


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - started) * 1000


def python_phase(pipeline: Pipeline, paths: list[Path], docs: dict[Path, list[str]], seconds: float,
                 ours: list[float], floor: list[float]) -> None:
    """(a) and (c) alternating report by report, cycling through distinct inputs for `seconds`.

    Render caches that outlive a report are either shared by every report of a real build (compiled
    templates, folded sender headers) or cleared here before each sample (dates: 48 inputs repeat
    their days, an archive of 1,000 reports mostly does not).
    """
    import mjml

    from pipeline.render.i18n import format_date_long

    def compile_all(sources):
        for source in sources:
            mjml.mjml2html(source)

    for path in paths[:3]:  # warm-up: imports, template compilation, first-call costs
        pipeline.run(path)
        compile_all(docs[path])
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline or i < len(paths):
        path = paths[i % len(paths)]
        format_date_long.cache_clear()  # a report of its own day, as in a real archive (48 inputs repeat here)
        ours.append(timed(pipeline.run, path))
        floor.append(timed(compile_all, docs[path]))
        i += 1


def pdf_phase(pipeline: Pipeline, paths: list[Path]) -> list[float]:
    """The press PDF alone (`build --pdf`, issue 4), on a few reports after one warm-up."""
    from pipeline.render import press_pdf

    samples = []
    for n, path in enumerate(paths):
        manifest, files, _ = pipeline.run(path)
        duration = timed(press_pdf, manifest, files)
        if n:
            samples.append(duration)
    return samples


# --- (b): Node ----------------------------------------------------------------------------------


def node_phase(docs: list[list[str]], seconds: float, workdir: Path) -> dict:
    payload = workdir / "reference-input.json"
    payload.write_text(json.dumps({"reports": docs, "min_seconds": seconds}), encoding="utf-8")
    result = subprocess.run(["node", str(REPO / "benchmarks" / "reference.mjs"), str(payload)], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"benchmarks/reference.mjs failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


# --- builds through the CLI ---------------------------------------------------------------------


CODE = REPO  # the pipeline package measured: a snapshot taken at start (see main)


def snapshot_code(folder: Path) -> Path:
    """A copy of the `pipeline` package that this run imports and runs, immune to edits made meanwhile.

    The build cache keys on the package's own files, so an edit during the run would turn the no-op
    rebuild into a full one; with the snapshot every phase measures the same code.
    """
    global CODE
    shutil.copytree(REPO / "pipeline", folder / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    CODE = folder
    sys.path.insert(0, str(folder))
    return folder


def cli_env() -> dict:
    """The user's environment: bytecode caching on (a sandbox may turn it off), no NEWSROOM_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(CODE)
    return env


def newsroom() -> list[str]:
    script = Path(sys.executable).with_name("newsroom")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline"]


class TreeMemory(threading.Thread):
    """Peak memory of a process and its children, sampled every 20 ms: RSS summed, and PSS summed.

    RSS counts pages that forked workers share with their parent once per process (an overestimate);
    PSS splits them. Both are reported; the target is checked against RSS, the stricter one.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = 0
        self.peak_pss = 0
        self.running = True

    def run(self):
        page = os.sysconf("SC_PAGE_SIZE")
        while self.running:
            rss = pss = 0
            for pid in self._tree(self.pid):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                with contextlib.suppress(OSError, ValueError, IndexError):
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            pss += int(line.split()[1]) * 1024
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            time.sleep(0.02)

    def _tree(self, pid: int) -> list[int]:
        found, stack = [], [pid]
        while stack:
            current = stack.pop()
            found.append(current)
            with contextlib.suppress(OSError):
                for task in os.listdir(f"/proc/{current}/task"):
                    with contextlib.suppress(OSError):
                        stack += [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
        return found


def run_cli(root: Path, *args: str, memory: bool = False) -> tuple[float, TreeMemory | None]:
    started = time.perf_counter()
    proc = subprocess.Popen([*newsroom(), "--project", str(root), *args], cwd=root, env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = TreeMemory(proc.pid) if memory and Path("/proc/self/smaps_rollup").exists() else None
    if sampler:
        sampler.start()
    out, err = proc.communicate(timeout=900)
    wall = time.perf_counter() - started
    if sampler:
        sampler.running = False
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"newsroom {' '.join(args)} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return wall, sampler


def edit(path: Path) -> None:
    """Change one report's text the way an editor does (a new first sentence in the body)."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["body"] = "Aktualisiert. " + data["body"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=88), encoding="utf-8")


def build_phase(root: Path, paths: list[Path], repeats: int) -> dict:
    """From scratch, no-op, one changed report, --help, check of one file: wall seconds as a user sees them."""
    run_cli(root, "--help")  # byte-compile the package once, as an install would
    shutil.rmtree(root / "out", ignore_errors=True)
    shutil.rmtree(root / ".newsroom", ignore_errors=True)
    progress(f"building {len(paths):,} reports from scratch")
    scratch, sampler = run_cli(root, "build", memory=True)
    progress(f"  {scratch:.1f} s; no-op and changed rebuilds")
    noop = statistics.median(run_cli(root, "build")[0] for _ in range(repeats))
    changed = []
    for path in random.Random(6).sample(paths, min(repeats, len(paths))):
        edit(path)
        changed.append(run_cli(root, "build")[0])
    helps = [run_cli(root, "--help")[0] for _ in range(2 * repeats + 1)]
    checks = [run_cli(root, "check", str(paths[0]))[0] for _ in range(repeats)]
    return {
        "build_1000_s": scratch,
        "noop_rebuild_1000_s": noop,
        "changed_rebuild_1000_s": statistics.median(changed),
        "cli_help_s": statistics.median(helps),
        "check_one_s": statistics.median(checks),
        "peak_rss_mb_1000": sampler.peak_rss / 2**20 if sampler else None,
        "peak_pss_mb_1000": sampler.peak_pss / 2**20 if sampler else None,
    }


def files_made(root: Path) -> int:
    """Files and folders under out/ and .newsroom/cache/: each one a creation the disk pays for."""
    return sum(len(dirs) + len(names) for top in (root / "out", root / ".newsroom" / "cache")
               for _, dirs, names in os.walk(top))


def scratch_elsewhere(root: Path, folder: Path) -> dict:
    """The same from-scratch build with the project on another disk (the system's temp folder).

    On this kind of VM, creating a file costs ~10× more on the work disk than in the temp folder
    (both are measured), and a build of 1,000 reports creates some 16,000 files and folders.
    """
    copy = folder / "project"
    shutil.copytree(root / "content", copy / "content")
    shutil.copytree(root / "templates", copy / "templates")
    run_cli(copy, "--help")
    progress(f"the same build from scratch in {folder}")
    wall, _ = run_cli(copy, "build")
    return {"build_1000_tmpdisk_s": wall, "file_create_us_tmpdisk": 1000 / create_probe(folder),
            "tmpdisk": str(folder.parent)}


def preview_phase(root: Path, paths: list[Path], repeats: int) -> tuple[float, dict]:
    """One changed report in a warm process (what `newsroom preview` does on a keystroke), in seconds.

    The real preview uses its local address as site URL, so its first build renders every report once;
    here the CLI's site URL is kept so that first build comes from the cache and the bench stays short.
    Returns the median rebuild time and the steps of one no-op build in this warm process.
    """
    from pipeline.build import BuildStats, Project, build

    site = root / "preview-site"
    progress("preview: first build, then one changed report at a time")
    build(Project(root), out_dir=site)
    noop = BuildStats()
    build(Project(root), out_dir=site, stats=noop)
    samples = []
    for path in random.Random(7).sample(paths, min(repeats, len(paths))):
        edit(path)
        started = time.perf_counter()
        build(Project(root), out_dir=site)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), noop.seconds


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def create_probe(folder: Path) -> float:
    """Files of 8 KB created per millisecond here: a build writes about 20 per report, so this sets its floor."""
    probe = folder / "create-probe"
    probe.mkdir()
    started = time.perf_counter()
    for i in range(500):
        (probe / f"f{i}").write_bytes(b"x" * 8192)
    elapsed = time.perf_counter() - started
    shutil.rmtree(probe)
    return 500 / (elapsed * 1000)


# --- report -------------------------------------------------------------------------------------


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median": statistics.median(ordered), "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
            "n": len(ordered)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000, help="reports in the build phase (default 1000)")
    parser.add_argument("--distinct", type=int, default=48, help="distinct inputs the per-email phases cycle through")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of samples per phase and round")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each no-op/changed/check measurement")
    parser.add_argument("--json", type=Path, default=REPO / "out" / "bench.json")
    # The temp project lives on the project's own file system (under .newsroom/, git-ignored), where users
    # build: on this kind of VM /tmp can be far slower to create files in than the work disk.
    parser.add_argument("--workdir", type=Path, default=REPO / ".newsroom",
                        help="folder for the temp project (default .newsroom/; the tests pass a temp folder)")
    args = parser.parse_args(argv)

    args.workdir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-", dir=args.workdir) as tmp:
        snapshot_code(Path(tmp) / "code")
        root = Path(tmp) / "project"
        paths = make_project(root, max(args.reports, args.distinct))
        sample = paths[: args.distinct]
        pipeline = Pipeline(root)
        docs = {path: pipeline.mjml_of(path) for path in sample}
        ours, floor, reference, node = [], [], [], {}
        for round_ in range(2):  # Python and Node alternate, so drift on a shared machine hits both
            progress(f"per-report timings, round {round_ + 1} of 2")
            python_phase(pipeline, sample, docs, args.seconds, ours, floor)
            node = node_phase([docs[path] for path in sample], args.seconds, Path(tmp))
            reference += node["samples_ms"]
        pdf = pdf_phase(pipeline, sample[:4])
        files_per_ms = create_probe(Path(tmp))
        builds = build_phase(root, paths[: args.reports], args.repeats)
        made = files_made(root)
        preview, noop_steps = preview_phase(root, paths[: args.reports], args.repeats)
        with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as elsewhere:
            builds.update(scratch_elsewhere(root, Path(elsewhere)))

    a, b, c = summary(ours), summary(reference), summary(floor)
    result = {
        "ours_ms_per_email": a["median"], "ours_p90_ms": a["p90"],
        "reference_ms_per_email": b["median"], "reference_p90_ms": b["p90"],
        "mrml_ms_per_email": c["median"], "mrml_p90_ms": c["p90"],
        "ours_vs_reference": a["median"] / b["median"], "ours_vs_mrml": a["median"] / c["median"],
        "pdf_ms_per_report": statistics.median(pdf) if pdf else None,
        "ours_with_pdf_ms_per_report": a["median"] + statistics.median(pdf) if pdf else None,
        **builds,
        "preview_changed_rebuild_1000_s": preview,
        "noop_steps_s": noop_steps,  # where a no-op build's time goes (warm process, no start-up)
        "reports_in_builds": args.reports,
        "file_create_us": 1000 / files_per_ms,
        "files_made_1000": made,
        "samples": {"ours": a["n"], "reference": b["n"], "mrml": c["n"]},
        "unit": "one report = newsletter email + press email (2 MJML documents); ours also renders the press "
                "page, both text parts, both .eml and the manifest",
        "reference_startup_s": node.get("startup_ms", 0) / 1000,
        "reference_inlined_paragraphs": node.get("inlined_paragraphs"),
        "environment": {"python": platform.python_version(), "node": node.get("node"), "mjml": node.get("mjml"),
                        "juice": node.get("juice"), "cpus": os.cpu_count(), "load_average": os.getloadavg()},
    }
    result["targets"] = {name: {"value": result.get(name), "limit": limit, "rule": rule,
                                "met": result.get(name) is not None and result[name] <= limit}
                         for name, (limit, rule) in TARGETS.items()}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result, a, b, c)
    print(f"\nwrote {args.json}")
    return result


def print_table(result: dict, a: dict, b: dict, c: dict) -> None:
    rows = [("(a) ours: whole pipeline, per report", a), ("(b) reference: Node mjml 5 + juice", b),
            ("(c) floor: bare MRML compile", c)]
    print(f"\n{'per report (' + result['unit'].split(' (')[0].split('= ')[1] + ')':<44} {'median':>9} {'p90':>9}"
          f" {'× (c)':>7} {'× (b)':>7}")
    for name, s in rows:
        print(f"{name:<44} {s['median']:>7.2f}ms {s['p90']:>7.2f}ms {s['median'] / c['median']:>6.1f}×"
              f" {s['median'] / b['median']:>6.2f}×")
    if result["pdf_ms_per_report"]:
        print(f"{'    press PDF (WeasyPrint, not in (a))':<44} {result['pdf_ms_per_report']:>7.1f}ms")
    n = result["reports_in_builds"]
    print(f"\n{'CLI, fresh process, ' + format(n, ',') + ' reports':<44} {'wall':>9}   target")
    for key, label in (("build_1000_s", "build from scratch (2 cores)"), ("noop_rebuild_1000_s", "no-op rebuild"),
                       ("changed_rebuild_1000_s", "one report changed"),
                       ("preview_changed_rebuild_1000_s", "one report changed, warm (preview)"),
                       ("cli_help_s", "newsroom --help"), ("check_one_s", "newsroom check <one file>")):
        target = result["targets"].get(key)
        mark = "" if target is None else f"≤ {target['limit']:g} s {'met' if target['met'] else 'MISSED'}"
        print(f"{label:<44} {result[key]:>8.3f}s   {mark}")
        if key == "build_1000_s":
            print(f"{'    files and folders it made':<44} {result['files_made_1000']:>9,}   "
                  f"at {result['file_create_us']:.0f} µs each on this disk")
            print(f"{'    the same build in ' + result['tmpdisk']:<44} {result['build_1000_tmpdisk_s']:>8.3f}s   "
                  f"({result['file_create_us_tmpdisk']:.0f} µs a file there; not the target's measurement)")
    steps = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in result["noop_steps_s"].items())
    print(f"{'    no-op steps, warm process':<44} {steps}")
    rss = result["targets"]["peak_rss_mb_1000"]
    print(f"{'peak memory, process tree (RSS sum / PSS)':<44} {result['peak_rss_mb_1000'] or 0:>6.0f} MB"
          f"   ≤ 250 MB {'met' if rss['met'] else 'MISSED'} (PSS {result['peak_pss_mb_1000'] or 0:.0f} MB)")
    for key in ("ours_vs_reference", "ours_vs_mrml"):
        t = result["targets"][key]
        print(f"{t['rule']:<60} {t['value']:.3f}  {'met' if t['met'] else 'MISSED'}")


if __name__ == "__main__":
    main()
