"""Run sizes of notebook 04 (DragGAN) per profile: ``smoke`` (seconds), ``demo`` (default), ``paper``.

Every profile edits with the shipped 64-px generator and the paper's DragGAN settings
(:class:`ganbook.drag.draggan.DragConfig`); the profiles differ only in how much is run.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DragNotebookConfig", "PROFILES"]


@dataclass(frozen=True)
class DragNotebookConfig:
    """Sizes of notebook 04's runs.

    Attributes:
        gan_steps: adversarial steps of the tiny from-scratch StyleGAN2 run (shows the recipe; not the shipped model).
        gallery_edits: scripted edits in the gallery.
        steps: DragGAN step cap per edit (the paper's landmark benchmark: 300).
        inversion_steps: Adam steps in W, then again in W+.
        pivotal_steps: pivotal-tuning (PTI) generator steps (0: none).
        pairs: benchmark image pairs per point count.
        max_tries: redraws per pair to find landmarks at least 3 px apart.
        regressor_test_faces: fresh rendered faces to re-measure the landmark regressor's error.
        amp: bf16 autocast for the tiny training run (smoke runs in float32, as every smoke profile).
    """

    gan_steps: int
    gallery_edits: int
    steps: int
    inversion_steps: int
    pivotal_steps: int
    pairs: int
    max_tries: int
    regressor_test_faces: int
    amp: bool = True


PROFILES = {
    "smoke": DragNotebookConfig(gan_steps=2, gallery_edits=2, steps=40, inversion_steps=20, pivotal_steps=0,
                                pairs=1, max_tries=5, regressor_test_faces=16, amp=False),
    "demo": DragNotebookConfig(gan_steps=12, gallery_edits=4, steps=300, inversion_steps=150, pivotal_steps=40,
                               pairs=32, max_tries=50, regressor_test_faces=200),
    "paper": DragNotebookConfig(gan_steps=50, gallery_edits=6, steps=300, inversion_steps=450, pivotal_steps=350,
                                pairs=50, max_tries=50, regressor_test_faces=1000),
}
