"""Command line: ``python -m cityclusters <command>``.

Commands
--------
``registry MANIFEST``  regenerate ``data/registry.tsv`` from a mirror's MANIFEST.tsv
``data``               fetch and verify every registered raw file (the data step)
``tables``             build every tidy table, validate it and print its size
``cache-key``          print the fingerprint of the package, registry, facts and requirements
``run-chapter NAME``   execute a chapter with other parameters (``--param KEY=VALUE``, VALUE
                       read as JSON when it parses, e.g. ``CLUSTERS=["yrd26"]``)
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
    sub.add_parser("cache-key", help="fingerprint of what executed chapters depend on")
    run = sub.add_parser("run-chapter", help="execute a chapter with other parameters (papermill)")
    run.add_argument("chapter", help="e.g. 01_clusters_and_data")
    run.add_argument("--out", required=True, help="executed notebook to write (.ipynb)")
    run.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
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
        elif args.command == "cache-key":
            from .cache_key import cache_key

            print(cache_key())
        elif args.command == "run-chapter":
            import json

            from .runner import glued_values, run_chapter

            parameters = {}
            for item in args.param:
                key, sep, value = item.partition("=")
                if not sep:
                    parser.error(f"--param {item!r}: expected KEY=VALUE")
                try:
                    parameters[key] = json.loads(value)
                except json.JSONDecodeError:
                    parameters[key] = value
            output = run_chapter(args.chapter, args.out, parameters)
            print(f"wrote {output} ({len(glued_values(output))} glued values)")
    except (CityClustersError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a chapter that stops (e.g. invalid parameters) under papermill
        if type(exc).__name__ != "PapermillExecutionError":
            raise
        print(f"error: chapter {args.chapter} stopped: {exc.ename}: {exc.evalue}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
