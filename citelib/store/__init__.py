"""Storage: typed table mappings, the engine and its transactions, migrations."""
