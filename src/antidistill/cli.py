"""The ``antidistill`` command line.

Each stage owns its commands in its own ``commands`` module; this file only
assembles them into one Typer application, so adding a command touches the
stage it belongs to and one line here.
"""

from __future__ import annotations

import typer

from antidistill import __version__

app = typer.Typer(
    name="antidistill",
    help=(
        "Detect, stop and prove theft of AI models.\n\n"
        "Reads a provider's API request logs (see shared/spec/traffic-log.md), "
        "scores every account for model-theft behaviour and groups the accounts "
        "one actor runs into campaigns.\n\n"
        "Quick start:  antidistill demo"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"antidistill {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """antidistill command line."""


def _register() -> None:
    # Imported here so `antidistill --help` stays fast and each stage's
    # commands live next to the code they drive.
    from antidistill.events import commands as events_commands
    from antidistill.gateway import commands as gateway_commands
    from antidistill.respond import commands as scan_commands
    from antidistill.sim import commands as sim_commands

    events_commands.register(app)
    sim_commands.register(app)
    scan_commands.register(app)
    gateway_commands.register(app)


_register()
