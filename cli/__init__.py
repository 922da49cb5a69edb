"""The ``liangshan`` command: a thin Typer layer over config, core and db."""
