"""The command line: a thin Typer layer over ``leadseg.api``."""

from leadseg.cli.app import main

__all__ = ["main"]
