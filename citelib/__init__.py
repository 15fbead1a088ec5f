"""citelib: a desktop reference manager. This package is the core; `citelib.gui` sits on top."""

__version__ = "0.1.0"
