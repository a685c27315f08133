"""This bot under cProfile: `app.py` as it is, its profile written to `$PROFILE_OUT` when it stops.

`benchmarks.turn_cpu --profile` runs it while paced callers press keys, to see
where a turn's CPU goes. The profiler itself slows every Python call, so its
figures are shares of a turn, not times.
"""

from __future__ import annotations

import cProfile
import os

import app

if __name__ == "__main__":
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        app.main()
    finally:
        profiler.disable()
        profiler.dump_stats(os.environ.get("PROFILE_OUT", "bot.prof"))
