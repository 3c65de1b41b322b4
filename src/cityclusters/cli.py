"""Command line: ``python -m cityclusters <command>``.

Commands
--------
``registry MANIFEST``  regenerate ``data/registry.tsv`` from a mirror's MANIFEST.tsv
``data``               fetch and verify every registered raw file (the data step)
``tables``             build every tidy table, validate it and print its size
"""

from __future__ import annotations

import argparse
import sys

from .errors import CityClustersError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cityclusters", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    reg = sub.add_parser("registry", help="regenerate data/registry.tsv from MANIFEST.tsv")
    reg.add_argument("manifest")
    sub.add_parser("data", help="fetch and verify every registered raw file")
    sub.add_parser("tables", help="build and validate every tidy table")
    args = parser.parse_args(argv)
    try:
        if args.command == "registry":
            from .registry import write_registry

            print(f"wrote {write_registry(args.manifest)}")
        elif args.command == "data":
            from .fetch import fetch_all

            fetch_all()
        elif args.command == "tables":
            from . import tables

            for name, frame in tables.build_all().items():
                print(f"  {name:<24} {len(frame):>6} rows  {frame.shape[1]:>3} columns")
    except CityClustersError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
