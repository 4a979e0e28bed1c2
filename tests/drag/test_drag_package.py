"""Importing ganbook.drag is cheap (no torch until a name is used) and exposes the main API lazily."""
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_package_import_has_no_heavy_side_effects():
    code = "import sys, ganbook.drag, ganbook.models.stylegan2 as m; print('ipycanvas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False" and out.stderr == ""


def test_lazy_names_resolve_and_unknown_names_fail_clearly():
    import ganbook.drag as drag_pkg
    from ganbook.drag.draggan import DragSession

    assert drag_pkg.DragSession is DragSession and callable(drag_pkg.make_faces)
    with pytest.raises(AttributeError, match="no attribute"):
        drag_pkg.not_a_name
