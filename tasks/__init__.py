"""Prefect tasks: each a thin wrapper with one side effect, calling into core/ and db/."""
