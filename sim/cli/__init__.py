"""The `negsim` command line: a typer app with one module per command group."""

from sim.cli.commands import app, main

__all__ = ["app", "main"]
