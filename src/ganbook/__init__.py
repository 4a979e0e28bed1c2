"""ganbook: a Jupyter-first, reproducible workbook for GANs that improve image quality.

Import is cheap and side-effect free; heavy modules load on first use.
"""
from __future__ import annotations

__version__ = "0.1.0"

from .params import PROFILES, ParameterError  # noqa: E402
from .session import Run, start  # noqa: E402

__all__ = ["__version__", "PROFILES", "ParameterError", "Run", "start"]
