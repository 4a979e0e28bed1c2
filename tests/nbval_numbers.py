"""pytest plugin: nbval compares the numbers a notebook prints within a stated tolerance.

The stored outputs come from one host; another host of the same kind may round a trained result to
the neighbouring last digit (0.00122 vs 0.00123 after 300 optimiser steps). Two printed outputs agree
when their text is the same once numbers are taken out, every integer is identical (counts, steps,
modes), and every decimal differs by at most one unit in its last printed place plus ``RTOL`` of its
size. A changed loss, metric or schedule still moves the printed results far beyond that.

Loaded by the repository's ``conftest.py``; a stand-alone nbval run adds ``-p nbval_numbers`` with
this folder on ``PYTHONPATH``.
"""
from __future__ import annotations

import copy
import re
from collections import defaultdict

RTOL = 1e-4
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")
_SPACE = re.compile(r"[ \t]+")


def _last_place(token: str) -> float:
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def _is_integer(token: str) -> bool:
    return "." not in token and "e" not in token.lower()


def numbers_agree(reference: str, test: str, rtol: float = RTOL) -> bool:
    """Whether two printed outputs say the same, up to last-digit rounding of their decimals."""
    if reference == test:
        return True
    ref_words = [_SPACE.sub(" ", w) for w in NUMBER.split(reference)]
    test_words = [_SPACE.sub(" ", w) for w in NUMBER.split(test)]
    if ref_words != test_words:
        return False
    for a, b in zip(NUMBER.findall(reference), NUMBER.findall(test)):
        if a == b:
            continue
        if _is_integer(a) or _is_integer(b):
            return False
        x, y = float(a), float(b)
        if abs(x - y) > max(_last_place(a), _last_place(b)) + rtol * max(abs(x), abs(y)):
            return False
    return True


def _text_fields(outputs):
    """(key, container, field) for every text value, keyed as nbval keys its comparison."""
    for out in outputs:
        if out.get("output_type") == "stream":
            yield out.get("name", "stdout"), out, "text"
        elif isinstance(out.get("data"), dict):
            for mime, value in out["data"].items():
                if isinstance(value, str):
                    yield mime, out["data"], mime


def reconcile(test_outputs, ref_outputs, sanitize=lambda s: s):
    """A copy of ``test_outputs`` whose texts that agree with the reference are replaced by it."""
    test_outputs = copy.deepcopy(test_outputs)
    refs, tests = defaultdict(list), defaultdict(list)
    for key, container, field in _text_fields(ref_outputs):
        refs[key].append(container[field])
    for key, container, field in _text_fields(test_outputs):
        tests[key].append((container, field))
    for key, pairs in tests.items():
        for (container, field), ref in zip(pairs, refs.get(key, [])):
            value = container[field]
            if value != ref and numbers_agree(sanitize(ref), sanitize(value)):
                container[field] = ref
    return test_outputs


def pytest_configure(config):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval absent: nothing to adjust
        return
    original = IPyNbCell.compare_outputs
    if getattr(original, "tolerates_last_digit", False):
        return

    def compare_outputs(self, test, ref, skip_compare=None):
        return original(self, reconcile(test, ref, self.sanitize), ref, skip_compare)

    compare_outputs.tolerates_last_digit = True
    IPyNbCell.compare_outputs = compare_outputs
