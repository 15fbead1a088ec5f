"""citelib's desktop app (PySide6) on top of the core: it talks only to the Library service,
through `session.Session`, and never writes SQL. `citelib` without a command opens it."""
