"""The child process of ``bench.people_import``: ``shuniu import people FILE`` on the
benchmark's database, timed from the call of the command to its end.

Run as ``python -m bench.people_child FILE [ARGS]`` with the parent's environment
(``SHUNIU_VAR_DIR`` names the SQLite file, ``DATABASE_URL`` the PostgreSQL server) and
``BENCH_DATABASE_NAME`` the database the parent made. Prints one line of JSON: the seconds,
the command's own JSON report and the process's own peak memory (``peak_kib``). Nothing
here imports Django before it is set up.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    name = os.environ.get("BENCH_DATABASE_NAME")
    if name:
        connection.settings_dict["NAME"] = name
    out = io.StringIO()
    started = time.perf_counter()
    call_command("import", "people", *argv, "--format", "json", stdout=out)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {"seconds": seconds, "report": json.loads(out.getvalue()), "peak_kib": _peak_kib()}
        )
    )
    return 0


def _peak_kib() -> int | None:
    """This process's own peak resident memory since it started Python (Linux: ``VmHWM`` of
    /proc/self/status), or None where there is none. Not ``ru_maxrss``: Linux carries the
    peak of the process image an ``exec`` replaces into it, and a child spawned by the
    benchmark (vfork, then exec) starts out with the benchmark's own peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
