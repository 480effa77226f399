"""Benchmarks that print figures. They never assert on time."""
