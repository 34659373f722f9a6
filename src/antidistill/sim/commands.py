"""The ``antidistill simulate`` command."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "simulate",
        help=(
            "Generate synthetic API traffic with ground truth.\n\n"
            "Writes OUT/events.jsonl.gz (the log contract), OUT/accounts.jsonl and "
            "OUT/labels.json. The same seed gives byte-identical files.\n\n"
            "Example:  antidistill simulate --seed 1 --scale small --out sim-out"
        ),
    )(simulate_command)


def simulate_command(
    seed: int = typer.Option(1, "--seed", help="Random seed; same seed, same files."),
    scale: str = typer.Option("small", "--scale", help="small (one day, ~500 accounts) or full (one week, ~1M events)."),
    out: Path = typer.Option(..., "--out", help="Output directory (created if missing)."),
    mixture: Path | None = typer.Option(None, "--mixture", exists=True, dir_okay=False,
                                        help="YAML overriding keys of the default mixture."),
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from antidistill.sim import load_mixture, simulate

    mix = load_mixture(mixture)
    if scale not in mix["scales"]:
        raise typer.BadParameter(f"choose one of {', '.join(mix['scales'])}", param_hint="--scale")
    console = Console(stderr=True)
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("events", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = simulate(seed, scale, out, mixture=mixture, progress=progress)
    console.print(
        f"wrote {summary.events:,} events from {summary.accounts:,} accounts "
        f"({summary.malicious_accounts} malicious, {summary.campaigns} campaigns) to {summary.out_dir} "
        f"in {summary.seconds:.1f}s"
    )
