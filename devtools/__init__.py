"""Helpers for running the bot and its local services in tests and benchmarks."""
