"""The ``ingest`` and ``validate`` commands through Typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import duckdb
import typer
from typer.testing import CliRunner

from antidistill.events import commands

DATA = Path(__file__).parent / "data"
SPEC = DATA / "spec_events.jsonl"


def make_app() -> typer.Typer:
    app = typer.Typer()
    commands.register(app)

    @app.callback()
    def _root() -> None:
        """test app"""

    return app


runner = CliRunner()


def run(*args: str):
    return runner.invoke(make_app(), [str(a) for a in args])


def test_help_has_examples():
    for command in ("ingest", "validate"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example: antidistill " + command in result.output


def test_ingest_with_accounts_and_quarantine(tmp_path):
    src = tmp_path / "e.jsonl"
    src.write_bytes(SPEC.read_bytes() + b"oops\n")
    db = tmp_path / "store.duckdb"
    result = run("ingest", src, "--db", db, "--accounts", DATA / "accounts.jsonl")
    assert result.exit_code == 0, result.output
    assert "not_json" in result.output
    assert (tmp_path / "store.quarantine.jsonl").read_text().count("\n") == 3  # 1 event + 2 account lines
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchone() == (4,)
    assert con.execute("SELECT count(*) FROM accounts").fetchone() == (3,)
    con.close()
    again = run("ingest", src, "--db", db)
    assert again.exit_code == 0


def test_max_bad_exit_code(tmp_path):
    src = tmp_path / "e.jsonl"
    src.write_bytes(b"bad\n" * 3 + SPEC.read_bytes())
    result = run("validate", src, "--max-bad", "1")
    assert result.exit_code == commands.EXIT_MAX_BAD
    assert "max-bad 1" in result.output
    assert run("validate", src, "--max-bad", "3").exit_code == 0
    result = run("ingest", src, "--db", tmp_path / "t.duckdb", "--max-bad", "0")
    assert result.exit_code == commands.EXIT_MAX_BAD


def test_missing_file_is_a_clear_error(tmp_path):
    for args in (("validate", tmp_path / "nope.jsonl"), ("ingest", tmp_path / "nope.jsonl", "--db", tmp_path / "t.duckdb")):
        result = run(*args)
        assert result.exit_code == commands.EXIT_INPUT
        assert "no such file" in result.output
        assert "Traceback" not in result.output


def test_validate_formats_and_quarantine_file(tmp_path):
    qfile = tmp_path / "bad.jsonl"
    result = run("validate", DATA / "otel_genai_spans.jsonl", "--format", "otel", "--quarantine", qfile)
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output
    assert qfile.read_text().count("\n") == 1
    assert run("validate", SPEC, "--format", "nonsense").exit_code == 2
