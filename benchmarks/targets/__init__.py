"""Reference bots the benchmark compares this bot against, each runnable as `python -m`."""
