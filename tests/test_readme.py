"""Every Python snippet in the README runs as written, and prints what the README shows.

A ```python block runs on its own, in a fresh interpreter and an empty working
directory, so a snippet cannot lean on names another one defined.  When an
```output block follows it, the snippet's standard output must match it (with
doctest's rules: ``...`` stands for anything, runs of white space are one).

A fenced block whose first line is a comment naming a file (``# policy.toml``)
is that file: it is written into every snippet's working directory.

A recipe for an engine the package does not depend on (Ray, Spark) says so in
its info string, ```python requires=ray``; where that module is not installed
it is skipped with the reason, never passed.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
# Fences may be indented (a snippet inside a list item): the body is dedented.
_FENCE = re.compile(r"^([ \t]*)```(\w*)([^\n]*)\n(.*?)^\1```[ \t]*$", re.MULTILINE | re.DOTALL)
_REQUIRES = re.compile(r"\brequires=([\w.]+)")
_FILE_COMMENT = re.compile(r"#\s*([\w.-]+\.(?:toml|json|yaml|ini))\s*\n")
_CHECKER = doctest.OutputChecker()
_OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass(frozen=True)
class Snippet:
    line: int
    code: str
    output: str | None
    requires: str | None = None


def snippets(text: str) -> list[Snippet]:
    """The README's python blocks, each with the output block right after it (if any)."""
    blocks = [(m.group(2), textwrap.dedent(m.group(4)), text.count("\n", 0, m.start()) + 1,
               m.start(), m.end(), _REQUIRES.search(m.group(3))) for m in _FENCE.finditer(text)]
    found = []
    for i, (lang, body, line, _, end, requires) in enumerate(blocks):
        if lang != "python":
            continue
        output = None
        if i + 1 < len(blocks):
            next_lang, next_body, _, next_start, _, _ = blocks[i + 1]
            if next_lang == "output" and not text[end:next_start].strip():
                output = next_body
        found.append(Snippet(line, body, output, requires.group(1) if requires else None))
    return found


def files(text: str) -> dict[str, str]:
    """The README's example files: blocks whose first line names them."""
    named = {}
    for m in _FENCE.finditer(text):
        body = textwrap.dedent(m.group(4))
        name = _FILE_COMMENT.match(body)
        if name:
            named[name.group(1)] = body
    return named


def test_the_readme_has_snippets_and_outputs() -> None:
    found = snippets(README.read_text(encoding="utf-8"))
    assert len(found) >= 10
    assert any(s.output is not None for s in found)


def test_the_readme_has_a_ray_and_a_spark_recipe() -> None:
    found = snippets(README.read_text(encoding="utf-8"))
    assert {"pyspark", "ray"} <= {s.requires for s in found if s.requires}


def test_snippet_parser_pairs_outputs() -> None:
    text = "```python\nprint(1)\n```\n\n```output\n1\n```\n```python requires=ray\nx = 2\n```\n"
    assert snippets(text) == [Snippet(1, "print(1)\n", "1\n"), Snippet(8, "x = 2\n", None, "ray")]


@pytest.mark.parametrize("snippet", snippets(README.read_text(encoding="utf-8")),
                         ids=lambda s: f"README.md:{s.line}")
def test_readme_snippet(snippet: Snippet, tmp_path: Path) -> None:
    if snippet.requires and importlib.util.find_spec(snippet.requires) is None:
        pytest.skip(f"{snippet.requires} is not installed (pip install {snippet.requires}): the recipe cannot run here")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INTERCOM_ACCESS_TOKEN", "INTERCOM_REDACT_"))}
    env["PYTHONHASHSEED"] = "0"
    for name, body in files(README.read_text(encoding="utf-8")).items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", snippet.code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        pytest.fail(f"README.md:{snippet.line} failed:\n{proc.stderr[-3000:]}")
    if snippet.output is not None and not _CHECKER.check_output(snippet.output, proc.stdout, _OPTIONS):
        pytest.fail(f"README.md:{snippet.line} printed\n{proc.stdout}\nbut the README shows\n{snippet.output}")
