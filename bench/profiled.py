"""Run a module under cProfile counting CPU time, not wall time (`python -m bench.profiled OUT.prof MODULE ARGS…`).

`BENCH_PROFILE=/some/folder python -m bench inbound` runs both bots this way; read the files with pstats.
Wall-clock profiles of a process sharing two cores with others charge the waiting to whatever was running.
"""
from __future__ import annotations

import cProfile
import runpy
import sys
import time


def main() -> None:
    out, module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    finally:
        profile.disable()
        profile.dump_stats(out)


if __name__ == "__main__":
    main()
