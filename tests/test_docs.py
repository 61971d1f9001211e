"""Every ```python block in docs/**/*.md and README.md runs.

The blocks of one file run in order in one namespace (so a page can build on its earlier
blocks), in a fresh temporary working directory, with numnet's seed set and downloads
forbidden. A block is skipped when its fence reads ```python title="no-run" or when the line
just before it is ``<!-- no-run -->``; use that sparingly (for code that needs the network
or runs for minutes). A failure names the file, the block number and its first line.
"""
import os
import re
import shutil
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_PYTHON_LANGS = {"python", "py", "python3"}
NO_RUN_COMMENT = "<!-- no-run -->"


class Block:
    """One fenced Python block: its 1-based number in the file, first line, source, skip flag."""

    def __init__(self, number: int, line: int, source: str, skip: bool):
        self.number, self.line, self.source, self.skip = number, line, source, skip


def _language(info: str) -> str:
    info = info.strip()
    if info.startswith("{"):  # attribute-list form: { .python title="..." }
        match = re.search(r"\.([\w+-]+)", info)
        return match.group(1).lower() if match else ""
    return info.split()[0].lower() if info else ""


def _is_no_run(info: str) -> bool:
    return bool(re.search(r"""title\s*=\s*["']no-run["']""", info)) or ".no-run" in info.split()


def extract_python_blocks(text: str) -> list:
    """The fenced Python blocks of a Markdown text, in order, numbered from 1."""
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence, info = match.group("indent"), match.group("fence"), match.group("info")
        start = i
        body = []
        i += 1
        while i < len(lines):
            closing = lines[i].strip()
            if closing.startswith(fence[0] * len(fence)) and closing.strip(fence[0]) == "":
                break
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        i += 1  # past the closing fence (or the end of the text)
        if _language(info) not in _PYTHON_LANGS:
            continue
        previous = start - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        skip = _is_no_run(info) or (previous >= 0 and lines[previous].strip() == NO_RUN_COMMENT)
        blocks.append(Block(len(blocks) + 1, start + 1, textwrap.dedent("\n".join(body)) + "\n", skip))
    return blocks


def documentation_files() -> list:
    files = sorted((ROOT / "docs").rglob("*.md"))
    if (ROOT / "README.md").exists():
        files.append(ROOT / "README.md")
    return files


def _files_with_code() -> list:
    return [f for f in documentation_files() if extract_python_blocks(f.read_text(encoding="utf-8"))]


def run_blocks(path: Path, blocks: list) -> None:
    """Execute `blocks` in order in one namespace; fail with the file and block number."""
    namespace = {"__name__": "__main__"}
    for block in blocks:
        if block.skip:
            continue
        label = f"{path.relative_to(ROOT) if path.is_absolute() and ROOT in path.parents else path}"
        try:
            code = compile(block.source, f"{label} (block {block.number}, line {block.line})", "exec")
            exec(code, namespace)
        except BaseException as e:  # noqa: BLE001 - report everything, including SystemExit
            if isinstance(e, KeyboardInterrupt):
                raise
            first = block.source.strip().splitlines()[0] if block.source.strip() else ""
            pytest.fail(
                f"{label}: code block {block.number} (starting at line {block.line}: {first!r}) raised "
                f"{type(e).__name__}: {e}\n\n{traceback.format_exc()}",
                pytrace=False,
            )


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A temporary working directory, a seeded numnet, and no downloads."""
    import numnet
    from numnet.datasets import _download

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NUMNET_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    def no_download(url, out):
        raise OSError(f"documentation code must not download anything (tried {url}); mark the block no-run")

    monkeypatch.setattr(_download, "_download_url", no_download)
    numnet.utils.set_random_seed(0)
    return tmp_path


@pytest.mark.parametrize("path", _files_with_code(), ids=lambda p: str(p.relative_to(ROOT)))
def test_documentation_code_runs(path, sandbox):
    run_blocks(path, extract_python_blocks(path.read_text(encoding="utf-8")))


# ----------------------------------------------------------------------------- the extractor itself

SAMPLE = """\
# Title

```python
a = 1
```

Text with `inline` code and a shell block:

```bash
ls
```

<!-- no-run -->
```python
raise RuntimeError("skipped by the comment")
```

```python title="no-run"
raise RuntimeError("skipped by the title")
```

1. A list item with an indented block:

    ```py
    b = a + 1
    if b:
        c = b * 2
    ```

````python
text = '''
```
'''
d = c + 1
````

```
untagged = "not run"
```
"""


def test_extractor_finds_numbers_and_skips_blocks():
    blocks = extract_python_blocks(SAMPLE)
    assert [b.number for b in blocks] == [1, 2, 3, 4, 5]
    assert [b.skip for b in blocks] == [False, True, True, False, False]
    assert blocks[0].source == "a = 1\n" and blocks[0].line == 3
    assert blocks[3].source == "b = a + 1\nif b:\n    c = b * 2\n"
    assert "d = c + 1" in blocks[4].source and "```" in blocks[4].source


def test_runner_shares_namespace_and_reports_file_and_block(tmp_path):
    blocks = extract_python_blocks(SAMPLE)
    run_blocks(Path("sample.md"), blocks)  # runs blocks 1, 4, 5 in one namespace
    broken = extract_python_blocks("```python\nx = 1\n```\n\n```python\ny = x / 0\n```\n")
    with pytest.raises(pytest.fail.Exception) as info:
        run_blocks(Path("broken.md"), broken)
    message = str(info.value)
    assert "broken.md: code block 2 (starting at line 5: 'y = x / 0')" in message
    assert "ZeroDivisionError" in message


def test_documentation_exists():
    names = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert {"index.md", "getting-started.md", "architecture.md"} <= names
    assert (ROOT / "mkdocs.yml").exists()


@pytest.mark.skipif(shutil.which("mkdocs") is None, reason="mkdocs is not installed (pip install -e '.[docs]')")
def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocstrings_handlers.python")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
