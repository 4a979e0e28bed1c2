"""The notebook-output comparison tolerates last-digit rounding of decimals and nothing more."""
from __future__ import annotations

import nbformat
import pytest

from nbval_numbers import numbers_agree, reconcile


@pytest.mark.parametrize("ref, test", [
    ("{'grad': 0.00123, 'ns': 0.8407}\n", "{'grad': 0.00122, 'ns': 0.84067}\n"),  # seen across hosts
    ("| ring | 2.079 | 0.665 |", "| ring | 2.080 | 0.666 |"),
    ("psnr 33.77 dB", "psnr 33.78 dB"),
    ("loss 1.5e-03", "loss 1.6e-03"),
    ("| a |  1.25 |", "| a | 1.25 |"),  # padding is layout
])
def test_last_digit_rounding_of_decimals_agrees(ref, test):
    assert numbers_agree(ref, test)


@pytest.mark.parametrize("ref, test", [
    ("| ring | 0.600 | 2.079 |", "| ring | 0.700 | 2.079 |"),  # a tenth of a percent is a result
    ("modes 7 of 8", "modes 8 of 8"),  # counts are exact
    ("steps=300", "steps=301"),
    ("psnr 33.77 dB", "psnr 33.80 dB"),
    ("psnr 33.77 dB", "ssim 33.77 dB"),  # words are exact
    ("0.5", "-0.5"),
    ("x 1.0", "x 1.0 y"),
])
def test_changed_results_words_and_counts_disagree(ref, test):
    assert not numbers_agree(ref, test)


def test_reconcile_replaces_only_agreeing_texts_and_leaves_the_input_alone():
    ref = [nbformat.v4.new_output("stream", name="stdout", text="a 0.00123\n"),
           nbformat.v4.new_output("execute_result", data={"text/plain": "modes 7"}, execution_count=1)]
    test = [nbformat.v4.new_output("stream", name="stdout", text="a 0.00122\n"),
            nbformat.v4.new_output("execute_result", data={"text/plain": "modes 6"}, execution_count=1)]
    out = reconcile(test, ref)
    assert out[0]["text"] == "a 0.00123\n"
    assert out[1]["data"]["text/plain"] == "modes 6"
    assert test[0]["text"] == "a 0.00122\n"


def test_the_suite_runs_nbval_with_the_tolerant_comparison():
    from nbval.plugin import IPyNbCell

    assert getattr(IPyNbCell.compare_outputs, "tolerates_last_digit", False)
