"""Start-up: ``--version``, and ``--help`` formatted by Typer's rich help without the heavy imports.

The speed itself is measured by benchmarks/cli_startup.py; these tests pin down the behaviour that
makes it fast (what is not imported) and that nothing is lost doing so.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from plugsmith import __version__

HEAVY = ("markdown_it", "rich.markdown", "rich.traceback", "rich.syntax", "pygments")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "plugsmith", "--version"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0 and out.stdout == f"plugsmith {__version__}\n"


def test_help_is_rich_but_imports_no_markdown_parser_or_pygments() -> None:
    out = _python(f"""
        import sys
        sys.argv = ["plugsmith", "--help"]
        from plugsmith.cli import main
        try:
            main()
        except SystemExit as exc:
            assert exc.code in (0, None), exc.code
        loaded = sorted(m for m in sys.modules if m.startswith({HEAVY!r}))
        print("LOADED", loaded, file=sys.stderr)
    """)
    assert out.returncode == 0, out.stderr
    assert "LOADED []" in out.stderr
    assert "Commands" in out.stdout and "─" in out.stdout  # still Typer's rich panels
    assert "hub" in out.stdout and "--version" in out.stdout


def test_the_placeholders_hand_over_to_the_real_modules() -> None:
    out = _python("""
        import sys
        from plugsmith.cli._fasthelp import import_rich_utils
        import_rich_utils()
        assert "rich.markdown" not in sys.modules and "rich.traceback" not in sys.modules
        import typer.rich_utils as ru
        md = ru.Markdown("# title")  # what Typer builds for rich_markup_mode="markdown"
        import rich.markdown, rich.traceback
        assert isinstance(md, rich.markdown.Markdown), type(md)
        try:
            raise ValueError("x")
        except ValueError as exc:
            tb = ru.Traceback.from_exception(type(exc), exc, exc.__traceback__)
        assert isinstance(tb, rich.traceback.Traceback)
        print("OK")
    """)
    assert out.returncode == 0 and out.stdout.strip() == "OK", out.stderr


def test_usage_errors_still_format_after_fast_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "plugsmith", "--nonsense"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 2 and "No such option" in out.stderr and "Traceback" not in out.stderr
