"""One run of ``make rerun-all`` in its own process: ``python -m
cityclusters.publishing.rerun_worker '<request as JSON>'`` runs
:func:`cityclusters.publishing.rerun.run_one` and prints its summary row as JSON (the last line
of standard output). SIGTERM ends the run through Python's exit path, so papermill shuts its
kernel down."""

from __future__ import annotations

import json
import signal
import sys


def main(argv: list[str] | None = None) -> int:
    from cityclusters.publishing.rerun import run_one

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    request = json.loads((argv if argv is not None else sys.argv[1:])[0])
    row = run_one(request["chapter"], request["cluster"], request["years"], request["out_root"],
                  request["render"])
    print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
