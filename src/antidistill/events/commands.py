"""``antidistill ingest`` and ``antidistill validate``.

Exit codes: 0 ok (bad lines were quarantined and counted); 1 a file is missing
or unreadable, or the database cannot be opened; 3 ``--max-bad`` was exceeded.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from antidistill.events.adapters import FORMATS
from antidistill.events.readers import DEFAULT_MAX_LINE_BYTES
from antidistill.events.stream import Summary

EXIT_INPUT = 1
EXIT_MAX_BAD = 3

_FORMAT_HELP = (
    f"Input format: {', '.join(FORMATS)}. 'auto' looks at each file's first records "
    "(spec events, LiteLLM StandardLoggingPayload, or OTLP/JSON GenAI spans)."
)
_MAX_BAD_HELP = "Give up (exit 3) once more than N records are bad. Default: no limit; every bad line is quarantined and counted."
_ACCOUNT_FIELD_HELP = (
    "LiteLLM: metadata key holding the account (default: first of user_api_key_org_id, "
    "_team_id, _user_id, _hash). OTel: span/resource attribute (default: enduser.id, then user.id)."
)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _byte_progress(bar: Progress):
    """A progress callback for the stream: one bar per file, in bytes read."""
    tasks: dict[Path, int] = {}

    def on_progress(path: Path, done: int, total: int) -> None:
        if path not in tasks:
            tasks[path] = bar.add_task(path.name, total=total)
        bar.update(tasks[path], completed=done)

    return on_progress


def _check_files(console: Console, paths: list[Path]) -> None:
    for p in paths:
        if not p.is_file() or not os.access(p, os.R_OK):
            what = "not a file" if p.exists() else "no such file"
            # One unwrapped line (a long path must stay greppable), the path
            # escaped so brackets in a file name are not read as markup.
            console.print(f"[red]error:[/red] {escape(str(p))}: {what} or not readable", soft_wrap=True)
            raise typer.Exit(EXIT_INPUT)


def summary_table(summary: Summary, title: str) -> Table:
    table = Table(title=title, show_header=True, header_style="bold",
                  caption="dup = accepted but already stored (not inserted again); bad = quarantined")
    table.add_column("file", overflow="fold")
    table.add_column("format")
    for name in ("records", "accepted", "dup", "bad", "skipped", "ev/s", "MB/s"):
        table.add_column(name, justify="right", no_wrap=True)
    for f in summary.files:
        secs = max(f.seconds, 1e-9)
        table.add_row(
            Path(f.path).name, f.format, f"{f.records:,}", f"{f.accepted:,}", f"{f.duplicates:,}",
            f"{f.quarantined:,}", f"{sum(f.skipped.values()):,}",
            f"{f.records / secs:,.0f}", f"{f.bytes / secs / 1e6:,.1f}",
        )
    if len(summary.files) > 1:
        secs = max(summary.seconds, 1e-9)
        table.add_row("[bold]total", "", f"{summary.records:,}", f"{summary.accepted:,}",
                      f"{summary.duplicates:,}", f"{summary.quarantined:,}",
                      f"{sum(summary.skipped.values()):,}", f"{summary.records / secs:,.0f}",
                      f"{summary.bytes / secs / 1e6:,.1f}")
    return table


def _kinds_table(summary: Summary) -> Table | None:
    if not summary.by_kind and not summary.skipped:
        return None
    table = Table(title="Not stored, by reason", header_style="bold")
    table.add_column("reason")
    table.add_column("count", justify="right")
    for kind, count in summary.by_kind.most_common():
        table.add_row(f"quarantined: {kind}", f"{count:,}")
    for reason, count in summary.skipped.most_common():
        table.add_row(f"skipped: {reason}", f"{count:,}")
    return table


def _report(console: Console, summary: Summary, title: str, examples: list[str]) -> None:
    console.print(summary_table(summary, title))
    kinds = _kinds_table(summary)
    if kinds is not None:
        console.print(kinds)
    for message in examples[:10]:
        console.print(f"  [yellow]bad:[/yellow] {message}", markup=True, highlight=False, soft_wrap=True)
    if summary.stopped:
        console.print(f"[red]stopped:[/red] {summary.stopped}")


def register(app: typer.Typer) -> None:
    """Add ``ingest`` and ``validate`` to the antidistill CLI."""

    @app.command(
        "ingest",
        epilog=(
            "Example: antidistill ingest logs/events-*.jsonl.gz --db traffic.duckdb "
            "--accounts accounts.jsonl --max-bad 1000\n\n"
            "Exit codes: 0 ok, 1 missing/unreadable input, 3 --max-bad exceeded."
        ),
    )
    def ingest_cmd(
        files: list[Path] = typer.Argument(..., help="Event logs: .jsonl, .jsonl.gz or .parquet."),
        db: Path = typer.Option(..., "--db", help="DuckDB database file (created if missing)."),
        accounts: Path | None = typer.Option(None, "--accounts", help="accounts.jsonl to load too."),
        fmt: str = typer.Option("auto", "--format", help=_FORMAT_HELP),
        quarantine: Path | None = typer.Option(
            None, "--quarantine", help="JSONL file for bad lines (default: <db stem>.quarantine.jsonl)."
        ),
        max_bad: int | None = typer.Option(None, "--max-bad", min=0, help=_MAX_BAD_HELP),
        account_field: str | None = typer.Option(None, "--account-field", help=_ACCOUNT_FIELD_HELP),
        max_line_bytes: int = typer.Option(DEFAULT_MAX_LINE_BYTES, "--max-line-bytes", min=1024,
                                           help="Lines longer than this are quarantined unread."),
    ) -> None:
        """Load request logs into a DuckDB store (tables events, accounts, quarantine, ingest_runs).

        Re-ingesting a file adds nothing: events are keyed on request_id.
        """
        import duckdb

        from antidistill.events.store import ingest

        console = Console(stderr=True)
        _check_format(console, fmt)
        _check_files(console, [*files, *([accounts] if accounts else [])])
        with _progress(console) as bar:
            on_progress = _byte_progress(bar)
            try:
                summary = ingest(
                    files, db, accounts=accounts, fmt=fmt, quarantine_path=quarantine,
                    max_bad=max_bad, progress=on_progress, account_field=account_field,
                    max_line_bytes=max_line_bytes,
                )
            except (OSError, duckdb.Error) as exc:
                console.print(f"[red]error:[/red] {exc}")
                raise typer.Exit(EXIT_INPUT) from None
        _report(console, summary, f"Ingested into {db}", summary.quarantine_messages)
        if accounts is not None:
            console.print(f"accounts: {summary.accounts_loaded:,} loaded, {summary.accounts_quarantined:,} quarantined")
        if summary.quarantined or summary.accounts_quarantined:
            console.print(f"quarantined lines written to {summary.quarantine_path} and table quarantine")
        if summary.stopped:
            raise typer.Exit(EXIT_MAX_BAD)

    @app.command(
        "validate",
        epilog=(
            "Example: antidistill validate events.jsonl.gz --max-bad 0 --quarantine bad.jsonl\n\n"
            "Exit codes: 0 ok, 1 missing/unreadable input, 3 --max-bad exceeded."
        ),
    )
    def validate_cmd(
        files: list[Path] = typer.Argument(..., help="Event logs: .jsonl, .jsonl.gz or .parquet."),
        fmt: str = typer.Option("auto", "--format", help=_FORMAT_HELP),
        max_bad: int | None = typer.Option(None, "--max-bad", min=0, help=_MAX_BAD_HELP),
        quarantine: Path | None = typer.Option(None, "--quarantine", help="Write every bad line here as JSONL."),
        account_field: str | None = typer.Option(None, "--account-field", help=_ACCOUNT_FIELD_HELP),
        max_line_bytes: int = typer.Option(DEFAULT_MAX_LINE_BYTES, "--max-line-bytes", min=1024,
                                           help="Lines longer than this are quarantined unread."),
    ) -> None:
        """Check request logs against the spec without storing anything."""
        from antidistill.events.stream import run_validation

        console = Console(stderr=True)
        _check_format(console, fmt)
        _check_files(console, files)
        with _progress(console) as bar:
            on_progress = _byte_progress(bar)
            try:
                summary = run_validation(
                    files, fmt=fmt, max_bad=max_bad, quarantine_path=quarantine,
                    progress=on_progress, account_field=account_field, max_line_bytes=max_line_bytes,
                )
            except OSError as exc:
                console.print(f"[red]error:[/red] {exc}")
                raise typer.Exit(EXIT_INPUT) from None
        _report(console, summary, "Validation", [r.message() for r in summary.quarantine])
        if summary.stopped:
            raise typer.Exit(EXIT_MAX_BAD)


def _check_format(console: Console, fmt: str) -> None:
    if fmt not in FORMATS:
        console.print(f"[red]error:[/red] unknown --format {fmt!r}; expected one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
