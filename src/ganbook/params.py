"""Profiles and notebook parameters: typed, validated, and loud about typos.

Every notebook declares a ``parameters`` cell of ``name: type = value  # help`` lines (papermill's
``--help-notebook`` reads them) and a dataclass config per profile:

* ``smoke`` — seconds; what the tests run;
* ``demo``  — the default; minutes on a 2-core laptop, results that beat the baselines;
* ``paper`` — the papers' sizes; meant for a GPU.

Papermill accepts any ``-p name value`` silently, so the reproduction runner checks names and types
against the notebook's declared parameters before a kernel starts, and :func:`make_config` checks
overrides against the dataclass.
"""
from __future__ import annotations

import dataclasses
import os
import typing
from typing import Any, Mapping

__all__ = ["PROFILES", "ParameterError", "resolve_profile", "make_config", "check_parameters", "coerce"]

PROFILES = ("smoke", "demo", "paper")


class ParameterError(ValueError):
    """A notebook parameter or config override is unknown or has the wrong type."""


def resolve_profile(profile: str) -> str:
    """Return the profile to use: ``$GANBOOK_PROFILE`` (set by the tests) wins over the parameter.

    Raises:
        ParameterError: when the name is not one of smoke / demo / paper.
    """
    chosen = os.environ.get("GANBOOK_PROFILE") or profile
    if chosen not in PROFILES:
        raise ParameterError(f"profile={chosen!r} is not one of {', '.join(PROFILES)}")
    return chosen


def make_config(profiles: Mapping[str, Any], profile: str, **overrides: Any):
    """The profile's dataclass config with overrides applied (``None`` means "keep the default").

    Args:
        profiles: ``{"smoke": Config(...), "demo": Config(...), "paper": Config(...)}``.
        profile: which one.
        **overrides: field values to replace; each is type-checked against the field annotation.

    Raises:
        ParameterError: unknown profile, unknown field (the message lists the valid ones) or bad type.
    """
    if profile not in profiles:
        raise ParameterError(f"profile={profile!r} is not one of {', '.join(profiles)}")
    base = profiles[profile]
    hints = typing.get_type_hints(type(base))
    fields = {f.name for f in dataclasses.fields(base)}
    changes = {}
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in fields:
            raise ParameterError(
                f"unknown setting {name!r} for {type(base).__name__}; valid: {', '.join(sorted(fields))}"
            )
        changes[name] = coerce(name, value, hints[name])
    return dataclasses.replace(base, **changes)


def coerce(name: str, value: Any, annotation: Any) -> Any:
    """Check ``value`` against a type annotation (a type or its string form) and return it.

    ints are accepted where floats are expected; ``X | None`` and ``Optional[X]`` accept None.

    Raises:
        ParameterError: naming the parameter, the expected type and the value given.
    """
    options = _type_options(annotation)
    if value is None and "None" in options:
        return None
    for opt in options:
        if opt == "Any":
            return value
        if opt == "bool" and isinstance(value, bool):
            return value
        if opt == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if opt == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if opt == "str" and isinstance(value, str):
            return value
        if opt in ("list", "tuple") and isinstance(value, (list, tuple)):
            return list(value) if opt == "list" else tuple(value)
        if opt == "dict" and isinstance(value, dict):
            return value
    raise ParameterError(
        f"parameter {name!r} expects {' | '.join(options)}, got {value!r} ({type(value).__name__})"
    )


def _type_options(annotation: Any) -> list[str]:
    if isinstance(annotation, str):
        text = annotation.replace("typing.", "").replace(" ", "")
        if text.startswith("Optional[") and text.endswith("]"):
            text = text[len("Optional["):-1] + "|None"
        parts = []
        for part in text.split("|"):
            part = part.split("[", 1)[0]  # list[int] -> list
            parts.append({"NoneType": "None"}.get(part, part))
        return parts
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [o for a in typing.get_args(annotation) for o in _type_options(a)]
    if origin is not None:
        return _type_options(origin)
    if annotation is type(None):
        return ["None"]
    if annotation is typing.Any:
        return ["Any"]
    return [getattr(annotation, "__name__", str(annotation))]


def check_parameters(notebook: str, declared: Mapping[str, Mapping[str, Any]], given: Mapping[str, Any]) -> dict:
    """Validate parameters meant for a notebook before it runs.

    Args:
        notebook: name used in messages.
        declared: papermill's ``inspect_notebook`` result: ``{name: {"inferred_type_name", "default", "help"}}``.
        given: the values to inject.

    Returns:
        The values, coerced (ints to floats where a float is declared).

    Raises:
        ParameterError: for an unknown name (listing every valid parameter with type, default and help),
            a wrong type, or an unknown profile.
    """
    out = {}
    for name, value in given.items():
        if name not in declared:
            raise ParameterError(
                f"{notebook}: unknown parameter {name!r}. Valid parameters:\n" + describe_parameters(declared)
            )
        type_name = declared[name].get("inferred_type_name") or "Any"
        out[name] = coerce(name, value, "Any" if type_name == "None" else type_name)
        if name == "profile" and value not in PROFILES:
            raise ParameterError(f"{notebook}: profile={value!r} is not one of {', '.join(PROFILES)}")
    return out


def describe_parameters(declared: Mapping[str, Mapping[str, Any]]) -> str:
    """One line per parameter: ``name: type = default  # help``."""
    lines = []
    for name, info in declared.items():
        help_ = f"  # {info['help']}" if info.get("help") else ""
        lines.append(f"  {name}: {info.get('inferred_type_name')} = {info.get('default')}{help_}")
    return "\n".join(lines)
