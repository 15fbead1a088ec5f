"""`python -m citelib` is the `citelib` command."""

from citelib.cli import run

run()
