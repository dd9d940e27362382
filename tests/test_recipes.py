"""The README's Ray Data and Spark recipes, run as written where the engine is installed.

A recipe is a README code block whose info string is ``python requires=MODULE``;
it runs in a fresh interpreter (the engines start their own worker processes)
and must print what its ``# [...]`` comments say.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"^```python requires=(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _recipes() -> list[tuple[str, str]]:
    return [(match[1], match[2]) for match in _BLOCK.finditer(README.read_text(encoding="utf-8"))]


def test_the_readme_has_a_ray_and_a_spark_recipe() -> None:
    assert sorted(module for module, _ in _recipes()) == ["pyspark", "ray"]


@pytest.mark.parametrize("module, code", _recipes(), ids=[module for module, _ in _recipes()])
def test_recipe_runs_as_written(module: str, code: str, tmp_path: Path) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install {module}): the recipe cannot run here")
    script = tmp_path / f"recipe_{module}.py"
    script.write_text(code, encoding="utf-8")
    paths = [str(README.parent / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    proc = subprocess.run([sys.executable, str(script)], check=False, cwd=tmp_path, env=env, capture_output=True, timeout=900)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    printed = proc.stdout.decode().splitlines()
    expected = [line.removeprefix("# ") for line in code.splitlines() if line.startswith("# [")]
    assert expected and all(line in printed for line in expected), (expected, printed)
    assert "jane@example.com" not in proc.stdout.decode()
