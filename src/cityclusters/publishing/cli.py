"""Command line: ``python -m cityclusters <command>``.

Commands
--------
``registry MANIFEST``  regenerate ``data/registry.tsv`` from a mirror's MANIFEST.tsv
``data``               fetch and verify every registered raw file (the data step)
``tables``             build every tidy table, validate it and print its size; store the
                       coordination index and its multiverses, chapter 5's timetable check
                       and the flow decay (independent groups in parallel:
                       :mod:`cityclusters.publishing.tables_step`)
``cache-key``          print the fingerprint of the package, registry, facts and requirements
``build-prepare``      before ``make html``: clear every output built from other inputs
``build-finish``       after a successful ``make html``: record the inputs it was built from
``run-chapter NAME``   execute a chapter with other parameters (``--param KEY=VALUE``, VALUE
                       read as JSON when it parses, e.g. ``CLUSTERS=["yrd26"]``; KEY must be a
                       parameter of the chapter and VALUE of its default's type, checked
                       before anything runs: :mod:`cityclusters.publishing.chapters`)
``rerun``              validate, execute and render a chapter for other clusters/years into
                       ``_rerun/`` (``--chapter 03_development_gaps --cluster middle_yangtze
                       --years 2005-2019``; ``make rerun CHAPTER=.. CLUSTER=.. YEARS=..``)
``rerun-all``          every chapter for every cluster it accepts, in parallel (``--jobs N``)

``make`` passes its variables (CHAPTER, CLUSTER, YEARS, JOBS, CHAPTERS, CLUSTERS) as
environment variables ``CITYCLUSTERS_<NAME>``, read here as the options' defaults; any other
variable given to ``make rerun`` is a chapter parameter (``make rerun CHAPTER=.. WEIGHTING=critic``,
read as text from ``MAKEFLAGS``: :func:`make_parameters`).
``ledger``             the claims ledger from the executed chapters (``--out ledger.csv``)
"""

from __future__ import annotations

import argparse
import sys

from cityclusters.errors import CityClustersError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cityclusters", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    reg = sub.add_parser("registry", help="regenerate data/registry.tsv from MANIFEST.tsv")
    reg.add_argument("manifest")
    sub.add_parser("data", help="fetch and verify every registered raw file")
    sub.add_parser("tables", help="build and validate every tidy table")
    sub.add_parser("cache-key", help="fingerprint of what executed chapters depend on")
    sub.add_parser("build-prepare", help="before `make html`: clear every output built from other inputs")
    sub.add_parser("build-finish", help="after a successful `make html`: record the inputs it was built from")
    run = sub.add_parser("run-chapter", help="execute a chapter with other parameters (papermill)")
    run.add_argument("chapter", help="e.g. 01_clusters_and_data")
    run.add_argument("--out", required=True, help="executed notebook to write (.ipynb)")
    run.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    again = sub.add_parser("rerun", help="a chapter for other clusters/years, into its own book")
    again.add_argument("--chapter", default=_env("CHAPTER"), help="e.g. 03_development_gaps")
    again.add_argument("--cluster", default=_env("CLUSTER"), help="cluster id(s), comma-separated")
    again.add_argument("--years", default=_env("YEARS"), help="first-last, e.g. 2005-2019")
    again.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    again.add_argument("--out-root", default=None, help="folder of rerun books (default _rerun/)")
    again.add_argument("--no-render", action="store_true", help="execute only")
    every = sub.add_parser("rerun-all", help="every chapter for every cluster, in parallel")
    every.add_argument("--jobs", default=_env("JOBS"), help="worker processes (default: all cores)")
    every.add_argument("--chapters", default=_env("CHAPTERS"), help="comma-separated subset of chapters")
    every.add_argument("--clusters", default=_env("CLUSTERS"), help="comma-separated subset of cluster ids")
    every.add_argument("--years", default=_env("YEARS"), help="first-last for every run")
    every.add_argument("--render", action="store_true", help="also render each rerun book")
    every.add_argument("--out-root", default=None)
    led = sub.add_parser("ledger", help="the claims ledger from the executed chapters")
    led.add_argument("--out", default=None, help="CSV to write (default: print)")
    led.add_argument("--executed", default=None, help="folder of executed chapters (default _build/jupyter_execute)")
    args = parser.parse_args(argv)
    try:
        if args.command == "registry":
            from cityclusters.data.registry import write_registry

            print(f"wrote {write_registry(args.manifest)}")
        elif args.command == "data":
            from cityclusters.data.fetch import fetch_all

            fetch_all()
        elif args.command == "tables":
            from cityclusters.publishing import tables_step
            from cityclusters.publishing.execution_cache import execution_jobs

            tables_step.print_sizes(tables_step.build_all_tables(execution_jobs()))
        elif args.command in ("build-prepare", "build-finish"):
            from cityclusters.data.cache_key import cache_key
            from cityclusters.paths import repo_root
            from cityclusters.publishing import build_state

            if args.command == "build-prepare":
                if build_state.prepare(repo_root(), cache_key()):
                    print("package, data or facts changed (or the last build did not finish): "
                          "cleared every earlier output; re-executing every chapter")
            else:
                build_state.finish(repo_root())
        elif args.command == "cache-key":
            from cityclusters.data.cache_key import cache_key

            print(cache_key())
        elif args.command == "run-chapter":
            from cityclusters.publishing.runner import glued_values, run_chapter

            output = run_chapter(args.chapter, args.out, _parameters(parser, args.param))
            print(f"wrote {output} ({len(glued_values(output))} glued values)")
        elif args.command == "rerun":
            from cityclusters.publishing.rerun import chapter_names, rerun

            if not args.chapter:
                print("usage: make rerun CHAPTER=<name> [CLUSTER=<id>[,<id>]] [YEARS=<first>-<last>]\n"
                      f"chapters: {' '.join(chapter_names())}", file=sys.stderr)
                return 2

            items = [*make_parameters(), *args.param]  # `make rerun … WEIGHTING=critic`, then --param
            result = rerun(args.chapter, args.cluster, args.years, _parameters(parser, items),
                           out_root=args.out_root, render=not args.no_render)
            print(f"executed {result.notebook} in {result.seconds_execute:.1f} s")
            if result.html:
                print(f"rendered {result.html} in {result.seconds_render:.1f} s")
        elif args.command == "rerun-all":
            from cityclusters.publishing.rerun import rerun_all

            split = lambda text: [t for t in text.split(",") if t] if text else None  # noqa: E731
            summary = rerun_all(split(args.chapters), split(args.clusters), args.years, jobs=args.jobs,
                                render=args.render, out_root=args.out_root)
            failed = summary[summary["status"] != "ok"]
            print(f"{len(summary)} runs, {len(failed)} failed, {summary.attrs['wall_seconds']} s "
                  f"with {summary.attrs['jobs']} jobs; summary in {summary.attrs['path']}")
            for row in failed.itertuples():
                print(f"  {row.chapter} × {row.cluster}: {row.error}", file=sys.stderr)
            return 1 if len(failed) else 0
        elif args.command == "ledger":
            from cityclusters.publishing.ledger import claims_ledger

            table = claims_ledger(args.executed)
            if args.out:
                table.to_csv(args.out, index=False)
                print(f"wrote {args.out}: {len(table)} claims")
            else:
                print(table[["claim_id", "chapter", "verdict"]].to_string(index=False))
    except (CityClustersError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a chapter that stops (e.g. invalid parameters) under papermill
        if type(exc).__name__ != "PapermillExecutionError":
            raise
        print(f"error: chapter {args.chapter} stopped: {exc.ename}: {exc.evalue}", file=sys.stderr)
        return 1
    return 0


#: Prefix of the environment variables through which ``make`` passes its variables
#: (``CHAPTER=…`` → ``CITYCLUSTERS_CHAPTER``): the Makefile exports their literal text and
#: never interpolates it into a shell command (see the Makefile's ``REQUEST_VARS``).
ENV_PREFIX = "CITYCLUSTERS_"


def _env(name: str) -> str | None:
    """The value ``make`` passed for ``name`` (None when empty or unset)."""
    import os

    return os.environ.get(ENV_PREFIX + name) or None


#: Variables of the Makefile itself: given on make's command line they are never chapter parameters.
MAKE_OWN_VARIABLES = frozenset({"PYTHON"})


def make_overrides(makeflags: str) -> dict[str, str]:
    """The variables given on ``make``'s command line, as literal text, read from the
    ``MAKEFLAGS`` make hands to its recipes: after `` -- ``, ``NAME=value`` words separated by
    spaces, a space inside a value escaped by a backslash and every ``$`` doubled. Nothing is
    evaluated: a value is only ever text.

    >>> make_overrides("s -- CHAPTER=03_x X=$$$$(touch\\ /tmp/zz) W=a\\ b NEAR=0.05")
    {'CHAPTER': '03_x', 'X': '$$(touch /tmp/zz)', 'W': 'a b', 'NEAR': '0.05'}
    >>> make_overrides("s")
    {}
    """
    tail = makeflags[3:] if makeflags.startswith("-- ") else makeflags.partition(" -- ")[2]
    words, current, escaped = [], [], False
    for char in tail:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == " ":
            if current:
                words.append("".join(current))
            current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    out = {}
    for word in words:
        name, eq, value = word.partition("=")
        if eq and name:
            out[name] = value.replace("$$", "$")
    return out


def make_parameters() -> list[str]:
    """``KEY=VALUE`` items of the chapter parameters given to ``make rerun`` on its command line
    (e.g. ``WEIGHTING=critic``): every variable of :func:`make_overrides` except those make
    passes as requests (``CHAPTER``, ``CLUSTER``, …: exported as ``CITYCLUSTERS_<NAME>``) and the
    Makefile's own. The chapter's spec then refuses a name that is not one of its parameters
    or a value of the wrong type, before anything runs."""
    import os

    overrides = make_overrides(os.environ.get("MAKEFLAGS", ""))
    return [f"{name}={value}" for name, value in overrides.items()
            if ENV_PREFIX + name not in os.environ and name not in MAKE_OWN_VARIABLES]


def _parameters(parser, items: list[str]) -> dict:
    """``KEY=VALUE`` pairs; VALUE is read as JSON when it parses (``CLUSTERS=["yrd26"]``)."""
    import json

    parameters = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--param {item!r}: expected KEY=VALUE")
        try:
            parameters[key] = json.loads(value)
        except json.JSONDecodeError:
            parameters[key] = value
    return parameters


if __name__ == "__main__":
    sys.exit(main())
