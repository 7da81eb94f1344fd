"""The `rolesim` program (and `python -m simulator`): the command line, started without the
cyclic garbage collector.

Starting a command imports its modules: tens of thousands of objects that live until the process
ends. The collector walks them again and again as they are made and finds nothing to free; that
costs a `simulate` run 20-35 ms (measured side by side). It is paused from here until the
command's own work begins (simulator.cli.app resumes it), where a long batch needs it.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    from simulator.cli import app

    app.main(collector_paused=True)
