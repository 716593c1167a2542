"""The Swift tests compare the engine with committed reference values (Tests/TrainingTests/Fixtures):
these tests run each fixture's script again, in a scratch copy, and check that it still writes
exactly what is committed, so a fixture can never drift from its script.

    python3 -m unittest discover -s Tests/python -p 'test_reference_fixtures.py' -v   # from the repository root

Skipped cleanly where numpy or scipy is not importable (the standard-library CI run).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "TrainingTests" / "Fixtures"

try:
    import numpy  # noqa: F401
    import scipy  # noqa: F401

    HAVE_SCIENCE = True
except ImportError:
    HAVE_SCIENCE = False


def close(a: Any, b: Any, tolerance: float) -> bool:
    """Equal JSON values, numbers within a relative tolerance."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], tolerance) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y, tolerance) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= tolerance * max(1.0, abs(float(b)))
    return bool(a == b)


@unittest.skipUnless(HAVE_SCIENCE, "numpy and scipy are not installed")
class ReferenceFixtureTests(unittest.TestCase):
    def regenerate(self, folder: str, script: str, output: str, inputs: list[str]) -> tuple[Any, Any]:
        with tempfile.TemporaryDirectory() as scratch:
            for name in [script] + inputs:
                shutil.copy(FIXTURES / folder / name, Path(scratch) / name)
            subprocess.run([sys.executable, str(Path(scratch) / script)], check=True)
            fresh = json.loads((Path(scratch) / output).read_text())
        return fresh, json.loads((FIXTURES / folder / output).read_text())

    def test_fourier_reference_matches_its_script(self) -> None:
        fresh, committed = self.regenerate("fourier", "make_expected.py", "expected.json", ["checkpoint.safetensors"])
        self.assertTrue(close(fresh, committed, 1e-12), "expected.json is not what make_expected.py writes")
        self.assertEqual(committed["p"], 13)

    def test_power_law_reference_matches_its_script(self) -> None:
        fresh, committed = self.regenerate("scaling", "make_power_law.py", "power_law.json", [])
        # curve_fit's optimum to its own tolerances: a later scipy may land a few ulps away.
        self.assertTrue(close(fresh, committed, 1e-9), "power_law.json is not what make_power_law.py writes")
        self.assertAlmostEqual(committed["scipy"]["alpha"], 0.5, delta=0.05)


if __name__ == "__main__":
    unittest.main()
