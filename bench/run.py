"""Run benchmarks and print their figures.

    .venv/bin/python bench/run.py                 # every bench/bench_*.py
    .venv/bin/python bench/run.py scoped_list     # by NAME
    .venv/bin/python -m bench.run --list

A benchmark module defines NAME, `run(args)` and optionally `add_arguments(parser)`. It prints
one JSON line per figure (see bench.common.emit). The exit status is 0 unless one crashed.
"""

import argparse
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR.parent) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(BENCH_DIR.parent))


def discover():
    """{NAME: module} for every bench/bench_*.py."""
    modules = {}
    for info in pkgutil.iter_modules([str(BENCH_DIR)]):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"bench.{info.name}")
            modules[module.NAME] = module
    return dict(sorted(modules.items()))


def parse(argv, modules):
    parser = argparse.ArgumentParser(description="safegrid benchmarks")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {', '.join(modules)})")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    for module in modules.values():
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser.add_argument_group(module.NAME))
    return parser.parse_args(argv)


def main(argv=None):
    modules = discover()
    args = parse(sys.argv[1:] if argv is None else argv, modules)
    if args.list:
        for name, module in modules.items():
            print(f"{name}: {(module.__doc__ or '').strip().splitlines()[0]}")
        return 0
    unknown = [n for n in args.names if n not in modules]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(modules)}", file=sys.stderr)
        return 2
    crashed = []
    for name in args.names or list(modules):
        try:
            modules[name].run(args)
        except Exception:  # report and go on with the next benchmark
            traceback.print_exc()
            crashed.append(name)
    if crashed:
        print(f"crashed: {', '.join(crashed)}", file=sys.stderr)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
