"""The package as a whole: its core needs only the standard library, and it ships its types.

    python3 -m unittest discover -s Tests/python -p test_package.py
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unittest
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE = REPO_ROOT / "python" / "src"


class PackageTests(unittest.TestCase):
    def test_the_core_imports_only_the_standard_library(self) -> None:
        # -I: no user site, no PYTHONPATH; only the package's own folder is added.
        script = (
            "import sys, json\n"
            f"sys.path.insert(0, {str(SOURCE)!r})\n"
            "before = set(sys.modules)\n"
            "import trainscope, trainscope.curvature, trainscope.compression\n"
            "print(json.dumps(sorted(set(sys.modules) - before)))\n"
        )
        loaded = json.loads(subprocess.run([sys.executable, "-I", "-c", script], check=True, capture_output=True, text=True).stdout)
        outside = [name for name in loaded if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "trainscope"]
        self.assertEqual(outside, [], "the core, curvature and compression modules import nothing outside the standard library")
        self.assertNotIn("numpy", loaded)

    def test_it_ships_its_types_and_one_version(self) -> None:
        self.assertTrue((SOURCE / "trainscope" / "py.typed").is_file())
        pyproject = (REPO_ROOT / "python" / "pyproject.toml").read_text()
        declared = re.search(r'^version = "([^"]+)"', pyproject, re.M)
        init = (SOURCE / "trainscope" / "__init__.py").read_text()
        in_code = re.search(r'^__version__ = "([^"]+)"', init, re.M)
        self.assertIsNotNone(declared)
        self.assertIsNotNone(in_code)
        assert declared is not None and in_code is not None
        self.assertEqual(declared.group(1), in_code.group(1))

    def test_there_is_one_client(self) -> None:
        # The package is the one source of truth: no copy of the client lives beside the examples.
        copies = [p for p in (REPO_ROOT / "Samples").rglob("*.py") if re.search(r"^class Client\b", p.read_text(), re.M)]
        self.assertEqual(copies, [])


if __name__ == "__main__":
    unittest.main()
