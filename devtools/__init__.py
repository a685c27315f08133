"""Helpers for running the bot and its local services: in tests, in benchmarks, and by hand (`acs_phone`)."""
