"""Run every notebook as a papermill job and build ``reports/index.md`` (+ ``index.html``).

``python -m ganbook reproduce [--profile P] [--only NAME ...] [--jobs N] [-p name=value ...]``

* The jupytext ``.py`` files are the source; papermill executes them with the kernel and language
  given explicitly, writing executed copies to ``reports/executed/<notebook>.ipynb``.
* ``-p`` values are parsed as YAML (like papermill's own ``-p``) and checked against each notebook's
  typed ``parameters`` cell *before* any kernel starts; a typo fails at once with the valid list.
* Parallel jobs use processes (papermill's ``cwd`` handling is not thread-safe) and share the cores.
"""
from __future__ import annotations

import html
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from .io import atomic_write_json, atomic_write_text
from .params import PROFILES, ParameterError, check_parameters
from .paths import notebooks_dir, repo_root, reports_dir
from .report import Table, format_table, git_state, html_table, markdown_table, pinned_git_state, pivot_table
from .runtime import PORTABLE_ENV

__all__ = ["discover", "declared_parameters", "reproduce", "build_index", "parse_assignments", "NotebookFailed"]

KERNEL, LANGUAGE = "python3", "python"


class NotebookFailed(RuntimeError):
    """A notebook raised; the message names the notebook, the cell and the error."""


@dataclass
class JobResult:
    notebook: str
    ok: bool
    wall_s: float
    executed: str
    error: str | None = None


def discover(only: Sequence[str] | None = None) -> list[Path]:
    """The notebooks' ``.py`` sources in order; ``only`` selects by name (``00`` or the full stem)."""
    found = sorted(p for p in notebooks_dir().glob("[0-9][0-9]_*.py"))
    if not only:
        return found
    chosen = []
    for want in only:
        match = [p for p in found if p.stem == want or p.stem.startswith(f"{want}_") or p.stem.split("_")[0] == want]
        if not match:
            raise ParameterError(f"no notebook called {want!r}; available: {', '.join(p.stem for p in found)}")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def declared_parameters(py_path: Path) -> dict[str, dict]:
    """The notebook's ``parameters`` cell as papermill reads it: ``{name: {inferred_type_name, default, help}}``."""
    import jupytext
    from papermill.inspection import _infer_parameters

    nb = jupytext.read(py_path)
    for cell in nb.cells:  # papermill's inspection expects every cell to carry a tags list
        cell.metadata.setdefault("tags", [])
    if not any("parameters" in c.metadata.tags for c in nb.cells):
        raise ParameterError(f"{py_path}: no cell is tagged 'parameters'")
    params = {p.name: p._asdict() for p in _infer_parameters(nb, language=LANGUAGE)}
    lines = [ln for ln in _parameters_source(nb).splitlines() if ":" in ln and "=" in ln and not ln.startswith("#")]
    unparsed = [ln for ln in lines if ln.split(":")[0].strip() not in params]
    if unparsed:  # papermill skips such lines silently; a parameter must never vanish
        raise ParameterError(f"{py_path}: papermill cannot parse these parameter lines (one '=' per line, types "
                             f"like Optional[int], not int | None): {unparsed}")
    return params


def _parameters_source(nb) -> str:
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def parse_assignments(items: Sequence[str]) -> dict[str, Any]:
    """``["steps=100", "loss=lsgan"]`` -> ``{"steps": 100, "loss": "lsgan"}`` (values parsed as YAML)."""
    out = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"-p expects name=value, got {item!r}")
        out[name.strip()] = yaml.safe_load(raw) if raw.strip() else ""
    return out


def _execute(py_path: str, out_path: str, parameters: dict, threads: int, git_env: dict | None = None) -> JobResult:
    import jupytext
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    name = Path(py_path).stem
    env_backup = dict(os.environ)
    os.environ.pop("GANBOOK_PROFILE", None)  # the profile parameter is authoritative here
    os.environ.update({"GANBOOK_PROGRESS": "0", "GANBOOK_THREADS": str(threads), "PYTHONHASHSEED": "0",
                       "JUPYTER_PREFER_ENV_PATH": "1", **(git_env or {})})
    if parameters.get("profile") == "smoke":  # the same numbers as the tests' smoke kernels, on any host
        os.environ.update(PORTABLE_ENV)
    t0 = time.perf_counter()
    try:
        nb = jupytext.read(py_path)
        pm.execute_notebook(nb, out_path, parameters=parameters, kernel_name=KERNEL, language=LANGUAGE,
                            cwd=str(repo_root()), progress_bar=False, log_output=False)
        return JobResult(name, True, round(time.perf_counter() - t0, 1), out_path)
    except PapermillExecutionError as exc:
        msg = (f"{name} failed in cell {exc.cell_index} (execution count {exc.exec_count}): "
               f"{exc.ename}: {exc.evalue}\n  executed copy with the traceback: {out_path}")
        return JobResult(name, False, round(time.perf_counter() - t0, 1), out_path, msg)
    except Exception as exc:  # kernel death, missing kernel, ...
        return JobResult(name, False, round(time.perf_counter() - t0, 1), out_path,
                         f"{name} could not be executed: {type(exc).__name__}: {exc}")
    finally:
        os.environ.clear()
        os.environ.update(env_backup)


def reproduce(profile: str = "demo", only: Sequence[str] | None = None, jobs: int = 1,
              params: Mapping[str, Any] | None = None, log=print) -> list[JobResult]:
    """Execute notebooks with papermill, then rebuild the index.

    Args:
        profile: smoke / demo / paper for every notebook.
        only: notebook names (or number prefixes) to run; all by default.
        jobs: notebooks run at once, in separate processes; the cores are shared between them.
        params: extra parameters; each must be declared by every selected notebook.
        log: where progress lines go.

    Raises:
        ParameterError: before anything runs, for an unknown profile, notebook or parameter.
        NotebookFailed: after the others finished, naming each failed notebook and cell.
    """
    if profile not in PROFILES:
        raise ParameterError(f"--profile {profile!r} is not one of {', '.join(PROFILES)}")
    notebooks = discover(only)
    plans = []
    for py in notebooks:
        declared = declared_parameters(py)
        given = {"profile": profile, **({"interactive": False} if "interactive" in declared else {}), **(params or {})}
        plans.append((py, check_parameters(py.stem, declared, given)))
    out_dir = reports_dir() / "executed"
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = max(1, min(jobs, len(plans) or 1))
    threads = max(1, (os.cpu_count() or 1) // jobs)
    results: list[JobResult] = []
    sha, dirty = git_state()
    if dirty:
        log("WARNING: the working tree has uncommitted changes outside reports/; every provenance sidecar "
            f"will record git_dirty: true (HEAD {sha[:10]}). Commit first for reports that name their code.")
    git_env = pinned_git_state()  # every notebook of this run records the same commit
    log(f"running {len(plans)} notebook(s) at profile={profile} with {jobs} job(s), {threads} thread(s) each")
    args = [(str(py), str(out_dir / f"{py.stem}.ipynb"), p, threads, git_env) for py, p in plans]
    if jobs == 1:
        for a in args:
            log(f"  {Path(a[0]).stem} ...")
            results.append(_execute(*a))
            log(f"  {results[-1].notebook}: {'ok' if results[-1].ok else 'FAILED'} in {results[-1].wall_s:.1f} s")
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for r in pool.map(_execute, *zip(*args)):
                results.append(r)
                log(f"  {r.notebook}: {'ok' if r.ok else 'FAILED'} in {r.wall_s:.1f} s")
    _record_runs(results, profile)
    build_index()
    if reports_dir() == repo_root() / "reports":  # only the real reports feed the README
        update_readme()
    failed = [r for r in results if not r.ok]
    if failed:
        raise NotebookFailed("\n".join(r.error or r.notebook for r in failed))
    return results


def _record_runs(results: Sequence[JobResult], profile: str) -> None:
    path = reports_dir() / "runs.json"
    runs = json.loads(path.read_text()) if path.exists() else {}
    for r in results:
        runs[r.notebook] = {**asdict(r), "profile": profile,
                            "executed": os.path.relpath(r.executed, reports_dir())}
    atomic_write_json(path, runs)


# ---------------------------------------------------------------------------------------------- index
REPRODUCIBILITY = (
    "Same machine, same thread count, same seed: the metrics and every figure PNG are identical byte for byte "
    "(timings aside). A second machine of the same kind reproduced the committed demo reports exactly too, "
    "but that is luck of the host, not a guarantee: another one has given different demo numbers.",
    "Another machine of the same kind, or another thread count: the smoke profile is still identical (it runs in "
    "the portable CPU mode: one thread, no oneDNN, MKL and ATen kernels pinned to AVX2, float32), but demo "
    "training amplifies last-bit float differences into another trajectory, so demo numbers move by about "
    "as much as they do between seeds. The table gives that spread; each headline claim is tested to hold "
    "in every one of these runs.",
)


def build_index(folder: Path | None = None) -> tuple[Path, Path]:
    """Write ``index.md`` and ``index.html`` from ``metrics/``, ``figures/`` and ``runs.json``.

    The page is built once as a list of blocks and rendered twice, so both files say the same.
    """
    root = folder or reports_dir()
    runs_path = root / "runs.json"
    runs = json.loads(runs_path.read_text()) if runs_path.exists() else {}
    names = sorted({p.stem for p in (root / "metrics").glob("*.json")} |
                   {p.name for p in (root / "figures").glob("*") if p.is_dir()})
    summary = Table(["notebook", "profile", "wall time (s)", "peak memory (MiB)", "git"],
                    [False, False, True, True, False], [], anchors=True)
    sections: list[tuple] = []
    for name in names:
        mpath = root / "metrics" / f"{name}.json"
        metrics = json.loads(mpath.read_text()) if mpath.exists() else None
        prov = (metrics or {}).get("provenance", {})
        run = runs.get(name, {})
        wall = (metrics or {}).get("wall_time_s", run.get("wall_s", ""))
        rss = (metrics or {}).get("peak_rss_mb", "")
        git = f"{(prov.get('git_sha') or '?')[:10]}{'+dirty' if prov.get('git_dirty') else ''}"
        profile = (metrics or {}).get("profile", run.get("profile", "?"))
        summary.rows.append([name, profile, str(wall), str(rss), git])
        sections.append(("h2", name))
        if metrics:
            sections.append(("p", f"profile `{profile}`, seed {prov.get('seed')}, device {prov.get('device')}, "
                                  f"torch {prov.get('packages', {}).get('torch')}, wall time {wall} s, "
                                  f"peak memory {rss} MiB"))
            for task in dict.fromkeys(r["task"] for r in metrics["rows"]):
                sections += [("h3", task), ("table", pivot_table([r for r in metrics["rows"] if r["task"] == task]))]
        if run and not run.get("ok", True):
            sections.append(("failed", str(run.get("error"))))
        for png in sorted((root / "figures" / name).glob("*.png")):
            sections.append(("figure", png.relative_to(root).as_posix(), png.stem))
    blocks = [("title", "ganbook report"),
              ("p", "Generated by `python -m ganbook reproduce`; every number below is read from `metrics/*.json`."),
              ("table", summary), ("h2", "Reproducibility"), ("p", "\n".join(REPRODUCIBILITY))]
    spread_head, spread = _spread_parts(root)
    blocks += [("p", spread_head)] + ([("table", spread)] if spread is not None else []) + sections
    md_path = atomic_write_text(root / "index.md", _render_markdown(blocks))
    html_path = atomic_write_text(root / "index.html", _render_html(blocks))
    return md_path, html_path


def _render_markdown(blocks: list[tuple]) -> str:
    out = []
    for kind, *args in blocks:
        if kind == "title":
            out += [f"# {args[0]}", ""]
        elif kind in ("h2", "h3"):
            out += ([""] if out and out[-1] else []) + [f"## {args[0]}", ""] if kind == "h2" else [f"**{args[0]}**", ""]
        elif kind == "p":
            out += [args[0], ""]
        elif kind == "table":
            out += [markdown_table(args[0]), ""]
        elif kind == "failed":
            out += [f"**FAILED:** {args[0]}", ""]
        elif kind == "figure":
            rel, stem = args
            out += [f"![{stem}]({rel})", f"*{stem}* — provenance: `{rel[:-4]}.json`", ""]
    return "\n".join(out) + "\n"


def _render_html(blocks: list[tuple]) -> str:
    esc = html.escape
    out = ["<!doctype html><meta charset='utf-8'><title>ganbook report</title>"
           "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
           "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style>"]
    for kind, *args in blocks:
        if kind == "title":
            out.append(f"<h1>{esc(args[0])}</h1>")
        elif kind == "h2":
            out.append(f"<h2 id='{esc(args[0])}'>{esc(args[0])}</h2>")
        elif kind == "h3":
            out.append(f"<h3>{esc(args[0])}</h3>")
        elif kind == "p":
            out.append(f"<p>{esc(args[0].replace('`', ''))}</p>")
        elif kind == "table":
            out.append(html_table(args[0]))
        elif kind == "failed":
            out.append(f"<p style='color:#b00'><b>FAILED:</b> {esc(args[0])}</p>")
        elif kind == "figure":
            rel, stem = args
            out.append(f"<figure><img src='{rel}' style='max-width:100%'><figcaption>{esc(stem)}"
                       f" (<a href='{rel[:-4]}.json'>provenance</a>)</figcaption></figure>")
    return "".join(out)


# ------------------------------------------------------------------------------------- stored outputs
def store_outputs(only: Sequence[str] | None = None, profile: str = "smoke", timeout: int = 1800, log=print) -> list[Path]:
    """Execute each notebook as-is (no injected cell) at ``profile`` and save it with outputs as the
    paired ``.ipynb`` — the reference that nbval compares against. Reports go to a scratch folder.

    Args:
        only: notebook names or number prefixes; all by default.
        profile: forced through ``$GANBOOK_PROFILE`` (the tests use the same).
        timeout: per-cell timeout in seconds.
    """
    import tempfile

    import jupytext
    import nbformat
    from nbclient import NotebookClient

    written = []
    env_backup = dict(os.environ)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            os.environ.update({"GANBOOK_PROFILE": profile, "GANBOOK_PROGRESS": "0", "GANBOOK_REPORTS_DIR": scratch,
                               "PYTHONHASHSEED": "0", "JUPYTER_PREFER_ENV_PATH": "1"})
            if profile == "smoke":  # exactly the kernel environment nbval gives the tests (conftest.py)
                os.environ.update(PORTABLE_ENV)
            for py in discover(only):
                t0 = time.perf_counter()
                nb = jupytext.read(py)
                NotebookClient(nb, kernel_name=KERNEL, timeout=timeout,
                               resources={"metadata": {"path": str(notebooks_dir())}}).execute()
                for i, cell in enumerate(nb.cells):  # stable ids, no timestamps: diffs show only real changes
                    cell["id"] = f"cell-{i:03d}"
                    cell.metadata.pop("execution", None)
                out = py.with_suffix(".ipynb")
                atomic_write_text(out, nbformat.writes(nb) + "\n")
                written.append(out)
                log(f"  {out.relative_to(repo_root())}: {time.perf_counter() - t0:.0f} s")
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    return written


# ------------------------------------------------------------------------------ README results block
README_METRICS = ("modes_std_rule", "psnr", "ssim", "swd", "mean_distance_px")
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


def readme_results(folder: Path | None = None) -> str:
    """The README's results block, built only from ``reports/metrics/*.json`` (headline metrics)."""
    root = folder or reports_dir()
    parts = []
    for path in sorted((root / "metrics").glob("[0-9][0-9]_*.json")):
        doc = json.loads(path.read_text())
        rows = [r for r in doc["rows"] if r["metric"] in README_METRICS]
        head = (f"**{doc['notebook']}** — profile `{doc['profile']}`, {doc['wall_time_s']:.0f} s, "
                f"peak {doc['peak_rss_mb']:.0f} MiB (`reports/metrics/{path.name}`)")
        parts += [head, "", format_table(rows, index=("task", "dataset", "method")) if rows else "(no headline rows)", ""]
    return "\n".join(parts).rstrip() + "\n"


SPREAD_START, SPREAD_END = "<!-- spread:start -->", "<!-- spread:end -->"
SPREAD_LABEL = "demo_seeds"


def _spread_parts(folder: Path | None = None, moving_only: bool = False) -> tuple[str, Table | None]:
    from .spread import load, spread_rows

    doc = load(SPREAD_LABEL, folder)
    if doc is None:
        return "(not measured yet: see `python -m ganbook spread -h`)", None
    head = (f"Demo profile, {len(doc['runs'])} runs ({', '.join(doc['runs'])}) "
            f"{doc.get('note') or 'on one machine'} (`reports/spread/{SPREAD_LABEL}.json`)")
    if moving_only:
        head += "; rows identical in every run (e.g. the interpolation baselines) are left out here"
    return f"{head}:", spread_rows(doc, moving_only=moving_only)


def readme_spread(folder: Path | None = None, moving_only: bool = False) -> str:
    """The reproducibility table, built only from ``reports/spread/demo_seeds.json``."""
    head, table = _spread_parts(folder, moving_only)
    return f"{head}\n" if table is None else f"{head}\n\n{markdown_table(table)}\n"


def _replace_block(text: str, start: str, end: str, body: str) -> str:
    if start not in text or end not in text:
        return text
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}{end}{tail}"


def update_readme(readme: Path | None = None, folder: Path | None = None) -> bool:
    """Rewrite the generated blocks of README.md (results, spread); returns whether it changed."""
    readme = readme or repo_root() / "README.md"
    if not readme.exists():
        return False
    text = readme.read_text()
    new = _replace_block(text, README_START, README_END, readme_results(folder))
    new = _replace_block(new, SPREAD_START, SPREAD_END, readme_spread(folder, moving_only=True))
    if new != text:
        atomic_write_text(readme, new)
    return new != text
