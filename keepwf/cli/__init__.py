"""Command line interface: typer sub-apps, one module per command group, and the one error boundary."""

from keepwf.cli.app import app, main

__all__ = ["app", "main"]
