"""The one report writer: figures with provenance sidecars, and metrics in one tidy shape.

Layout under ``reports/`` (``$GANBOOK_REPORTS_DIR`` moves it):

* ``figures/<notebook>/<name>.png`` — Agg-rendered, byte-deterministic (no software or time tags);
* ``figures/<notebook>/<name>.json`` — provenance: git SHA + dirty flag, notebook, parameters,
  profile, seed, device, package versions, data checksums, wall time;
* ``metrics/<notebook>.json`` — ``{"notebook", "profile", "wall_time_s", "peak_rss_mb", "rows":
  [{"task", "dataset", "split", "method", "metric", "value"}, ...], "provenance"}``.

Every table in the README, ``reports/index.md`` and the tests is read from these files.
"""
from __future__ import annotations

import html
import io
import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from .io import atomic_write_bytes, atomic_write_json
from .paths import repo_root, reports_dir

__all__ = [
    "Row", "save_figure", "save_metrics", "load_metrics", "provenance", "format_table", "git_state",
    "Table", "pivot_table", "markdown_table", "html_table",
    "PACKAGES", "ROW_FIELDS", "pinned_git_state",
]

PACKAGES = ("torch", "numpy", "scipy", "matplotlib", "nibabel", "pydicom", "scikit-image", "safetensors",
            "papermill", "jupytext", "ipycanvas")
ROW_FIELDS = ("task", "dataset", "split", "method", "metric", "value")
GIT_STATE_ENV = "GANBOOK_GIT_STATE"


@dataclass(frozen=True)
class Row:
    """One measured number: what task, on which data and split, by which method, which metric."""

    task: str
    dataset: str
    split: str
    method: str
    metric: str
    value: float

    def as_dict(self) -> dict:
        d = asdict(self)
        d["value"] = float(d["value"])
        return d


def save_figure(fig, notebook: str, name: str, info: Mapping[str, Any] | None = None, *, dpi: int = 110) -> Path:
    """Write ``fig`` to ``reports/figures/<notebook>/<name>.png`` plus a provenance JSON sidecar.

    The PNG bytes depend only on the figure (no Software/creation-time metadata), so re-running a
    notebook with the same seed and profile gives the same files.

    Args:
        fig: a matplotlib Figure.
        notebook: the notebook's name, e.g. ``"00_gan_fundamentals"``.
        name: file name without suffix (letters, digits, ``_`` and ``-``).
        info: provenance to record beside it (see :func:`provenance`).
        dpi: resolution.
    """
    _check_name(name)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
    out = reports_dir() / "figures" / notebook / f"{name}.png"
    atomic_write_bytes(out, buf.getvalue())
    atomic_write_json(out.with_suffix(".json"), {"figure": f"{name}.png", "notebook": notebook, **dict(info or {})})
    return out


def save_metrics(notebook: str, profile: str, rows: Iterable[Row | Mapping[str, Any]], *, wall_time_s: float,
                 peak_rss_mb: float, info: Mapping[str, Any] | None = None) -> Path:
    """Write ``reports/metrics/<notebook>.json`` in the shape every reader expects.

    Args:
        notebook: the notebook's name.
        profile: smoke / demo / paper.
        rows: :class:`Row` objects or dicts with exactly the :data:`ROW_FIELDS`.
        wall_time_s: seconds since the notebook started.
        peak_rss_mb: the kernel's peak resident memory.
        info: provenance.
    """
    clean = []
    for r in rows:
        d = r.as_dict() if isinstance(r, Row) else dict(r)
        if set(d) != set(ROW_FIELDS):
            raise ValueError(f"metric row {d} must have exactly the fields {ROW_FIELDS}")
        d["value"] = float(d["value"])
        clean.append({k: d[k] for k in ROW_FIELDS})
    doc = {"notebook": notebook, "profile": profile, "wall_time_s": round(float(wall_time_s), 2),
           "peak_rss_mb": float(peak_rss_mb), "rows": clean, "provenance": dict(info or {})}
    return atomic_write_json(reports_dir() / "metrics" / f"{notebook}.json", doc)


def load_metrics(notebook: str, folder: Path | None = None) -> dict:
    """Read ``metrics/<notebook>.json`` (from ``folder`` or the reports dir)."""
    path = (folder or reports_dir()) / "metrics" / f"{notebook}.json"
    return json.loads(path.read_text())


class Table(NamedTuple):
    """A table as data, rendered to Markdown (:func:`markdown_table`) or HTML (:func:`html_table`).

    ``numeric[i]`` right-aligns column ``i``; ``anchors`` makes each first cell a link to ``#<cell>``.
    """

    header: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    anchors: bool = False


def pivot_table(rows: Sequence[Mapping[str, Any]], *, index: Sequence[str] = ("dataset", "method"),
                column: str = "metric", digits: int = 3) -> Table:
    """One line per ``index`` combination and one column per ``column`` value."""
    cols: list[str] = []
    table: dict[tuple, dict[str, float]] = {}
    for r in rows:
        key = tuple(r[i] for i in index)
        if r[column] not in cols:
            cols.append(r[column])
        table.setdefault(key, {})[r[column]] = r["value"]
    body = [[*map(str, key), *(_fmt(vals[c], digits) if c in vals else "" for c in cols)]
            for key, vals in table.items()]
    return Table([*index, *cols], [False] * len(index) + [True] * len(cols), body)


def markdown_table(table: Table) -> str:
    lines = ["| " + " | ".join(table.header) + " |",
             "|" + "|".join("---:" if n else "---" for n in table.numeric) + "|"]
    first = (lambda c: f"[{c}](#{c})") if table.anchors else (lambda c: c)
    lines += ["| " + " | ".join([first(row[0]), *row[1:]]) + " |" for row in table.rows]
    return "\n".join(lines)


def html_table(table: Table) -> str:
    esc = html.escape
    cells = lambda tag, row: "".join(f"<{tag}>{esc(c)}</{tag}>" for c in row)  # noqa: E731
    first = (lambda c: f"<td><a href='#{esc(c)}'>{esc(c)}</a></td>") if table.anchors else (lambda c: f"<td>{esc(c)}</td>")
    return ("<table><tr>" + cells("th", table.header) + "</tr>"
            + "".join("<tr>" + first(row[0]) + cells("td", row[1:]) + "</tr>" for row in table.rows) + "</table>")


def format_table(rows: Sequence[Mapping[str, Any]], *, index: Sequence[str] = ("dataset", "method"),
                 column: str = "metric", digits: int = 3) -> str:
    """A markdown table with one line per ``index`` combination and one column per ``column`` value."""
    return markdown_table(pivot_table(rows, index=index, column=column, digits=digits))


def _fmt(value: float, digits: int) -> str:
    # Counts (modes recovered, classes covered) read better without decimals.
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.{digits}f}"


def provenance(**extra: Any) -> dict:
    """What produced a result: git state, Python, platform, package versions, plus ``extra``."""
    sha, dirty = git_state()
    return {"git_sha": sha, "git_dirty": dirty, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "packages": package_versions(), **extra}


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_state() -> tuple[str | None, bool | None]:
    """(HEAD sha, whether tracked sources differ from it), or (None, None) outside a git checkout.

    ``reports/`` is left out of the dirty check: it is what a run writes, so the second notebook of a
    clean run would otherwise call the tree dirty. The reproduction runner reads the state once and
    hands it to every kernel (``$GANBOOK_GIT_STATE``), so one run's sidecars all name one commit.
    """
    pinned = os.environ.get(GIT_STATE_ENV)
    if pinned:
        sha, _, dirty = pinned.partition(":")
        return sha or None, dirty == "dirty"
    root = repo_root()
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--",
                                 ".", ":(exclude)reports"], capture_output=True, text=True, timeout=10,
                                check=True).stdout
        return sha, bool(status.strip())
    except (OSError, subprocess.SubprocessError):
        return None, None


def pinned_git_state() -> dict[str, str]:
    """The environment that makes child processes report this process's :func:`git_state`."""
    sha, dirty = git_state()
    return {GIT_STATE_ENV: f"{sha or ''}:{'dirty' if dirty else 'clean'}"} if sha else {}


def _check_name(name: str) -> None:
    if not name or any(not (c.isalnum() or c in "_-.") for c in name) or name.startswith("."):
        raise ValueError(f"figure name {name!r} must use letters, digits, '_', '-' or '.' only")


