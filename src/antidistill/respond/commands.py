"""``antidistill scan`` and ``antidistill demo``."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from antidistill.events.stream import TooManyBadRecords
from antidistill.features.engine import ENGINES
from antidistill.policy import PolicyError, load_policy
from antidistill.respond.scan import ScanResult, run_scan, scan_store, write_scan

console = Console()


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    )


def print_summary(result: ScanResult, out: Path, seconds: float) -> None:
    verdicts = Counter(a.verdict for a in result.accounts)
    s = result.input
    console.print(
        f"[bold]scan[/bold] ({result.engine}): {len(result.accounts)} accounts, "
        f"{s.accepted if s else 0} events, {s.quarantined if s else 0} bad lines quarantined, "
        f"{seconds:.1f}s"
    )
    console.print(
        f"verdicts: [red]{verdicts.get('malicious', 0)} malicious[/red], "
        f"[yellow]{verdicts.get('suspicious', 0)} suspicious[/yellow], {verdicts.get('benign', 0)} benign"
    )
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    if result.campaigns:
        table = Table(title=f"{len(result.campaigns)} campaigns", show_lines=False)
        for col in ("campaign", "accounts", "score", "tactics", "requests", "links"):
            table.add_column(col)
        for c in sorted(result.campaigns, key=lambda c: (-len(c.account_ids), c.campaign_id)):
            kinds = sorted({lk["kind"] for lk in c.links})
            table.add_row(c.campaign_id, str(len(c.account_ids)), f"{c.score:.2f}", ", ".join(c.tactics),
                          str(c.requests), escape(", ".join(kinds)))
        console.print(table)
    lone = [a for a in result.accounts if a.verdict != "benign" and a.campaign_id is None]
    if lone:
        table = Table(title=f"{len(lone)} flagged accounts outside campaigns")
        for col in ("account", "verdict", "score", "tactics", "top signal"):
            table.add_column(col)
        for a in sorted(lone, key=lambda a: -a.score)[:15]:
            top = a.signals[0] if a.signals else {"name": "", "value": ""}
            table.add_row(escape(a.account_id), a.verdict, f"{a.score:.2f}", ", ".join(a.tactics),
                          escape(f"{top['name']}={top['value']}"))
        console.print(table)
    console.print(f"wrote {out / 'accounts.jsonl'}, {out / 'campaigns.jsonl'}, {out / 'quarantine.jsonl'}")


def scan(
    events: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Event logs (.jsonl, .jsonl.gz, .parquet; LiteLLM or OTel exports), or one DuckDB store written by `antidistill ingest` (.duckdb)."),
    accounts: Path | None = typer.Option(None, "--accounts", exists=True, dir_okay=False, help="accounts.jsonl with sign-up and billing data."),
    out: Path = typer.Option(..., "--out", help="Directory for accounts.jsonl, campaigns.jsonl and quarantine.jsonl."),
    engine: str = typer.Option("duckdb", "--engine", help=f"Execution engine: {' or '.join(ENGINES)}."),
    policy: Path | None = typer.Option(None, "--policy", exists=True, dir_okay=False, help="Policy YAML (default: the shipped policy)."),
    fmt: str = typer.Option("auto", "--format", help="Input format: auto, spec, litellm or otel."),
    max_bad: int | None = typer.Option(None, "--max-bad", help="Give up after this many bad lines (default: never)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="CPUs the scoring may use (default: those this process may run on). With more than one, the classifier replay and the end users' scoring run in forked processes beside the accounts' scoring; 1 keeps all in this process. The output is the same either way."),
) -> None:
    """Score every account for model theft and group accounts into campaigns.

    Example:

        antidistill scan events.jsonl.gz --accounts accounts.jsonl --out scan-out

    Scan a store that `antidistill ingest` filled (nothing is parsed again):

        antidistill scan traffic.duckdb --out scan-out
    """
    if engine not in ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(ENGINES)}", param_hint="--engine")
    try:
        pol = load_policy(policy)
    except PolicyError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    started = time.perf_counter()
    with _progress() as prog:
        task = prog.add_task("reading events", total=None)

        def tick(path: Path, done: int, total: int) -> None:
            prog.update(task, completed=done, total=total, description=f"reading {path.name}")

        try:
            if len(events) == 1 and events[0].suffix == ".duckdb":
                if accounts is not None:
                    raise typer.BadParameter("a DuckDB store carries its own accounts table", param_hint="--accounts")
                result = scan_store(events[0], engine=engine, policy=pol, workers=workers)
            else:
                result = run_scan(events, accounts=accounts, engine=engine, policy=pol, max_bad=max_bad, fmt=fmt, progress=tick,
                                  workers=workers)
        except TooManyBadRecords as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(3) from None
    write_scan(result, out)
    print_summary(result, out, time.perf_counter() - started)


def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", help="Where the demo writes its traffic and findings."),
    seed: int = typer.Option(2026, "--seed", help="Simulator seed."),
) -> None:
    """Simulate a small day of synthetic traffic, ingest it into DuckDB, scan it and show the campaigns.

    Example:

        antidistill demo --out demo-out
    """
    from antidistill.events import ingest
    from antidistill.sim import simulate

    traffic = out / "traffic"
    console.print(f"[bold]1/3[/bold] simulating a small day of [italic]synthetic[/italic] traffic (seed {seed}) into {traffic}")
    simulate(seed=seed, scale="small", out_dir=traffic)
    events, accounts = traffic / "events.jsonl.gz", traffic / "accounts.jsonl"
    db = out / "events.duckdb"
    console.print(f"[bold]2/3[/bold] ingesting into DuckDB at {db}")
    summary = ingest([events], db, accounts=accounts)
    console.print(f"      {summary.accepted} events accepted, {summary.duplicates} duplicates, {summary.quarantined} quarantined")
    console.print("[bold]3/3[/bold] scanning the store")
    started = time.perf_counter()
    result = scan_store(db)
    findings = out / "scan"
    write_scan(result, findings)
    print_summary(result, findings, time.perf_counter() - started)
    _compare_with_truth(result, traffic / "labels.json")


def _compare_with_truth(result: ScanResult, labels_path: Path) -> None:
    import json

    if not labels_path.exists():
        return
    labels = json.loads(labels_path.read_text())["accounts"]
    flagged = {a.account_id for a in result.accounts if a.verdict != "benign"}
    bad = {a for a, lab in labels.items() if lab["label"] == "malicious"}
    tp = len(flagged & bad)
    console.print(
        f"against the simulator's ground truth: {tp}/{len(bad)} attacking accounts flagged, "
        f"{len(flagged - bad)} benign accounts flagged (of {len(labels) - len(bad)})"
    )


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
    app.command("demo")(demo)
