"""Hostile input for the parsers: bomb generators (bombs.py) and a mutation fuzzer (mutate.py,
run_fuzz.py). Used by tests/test_fuzz.py (small counts), `make fuzz` and tests/bench/bench_bombs.py."""
