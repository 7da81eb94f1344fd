"""The command line: the only layer that knows about Typer, terminals and exit codes."""
