"""The child processes of ``bench.org_import``, each measured alone (ru_maxrss is per
process): ``python -m bench.org_child MODE FILE``.

- ``import``: ``shuniu import organizations FILE`` on the benchmark's database;
- ``csv``: the same file read with the ``csv`` module only (the floor of any reading);
- ``read-all``: the file read into a list of rows, as the import did before it streamed.

Runs with the parent's environment (``BENCH_DATABASE_NAME`` is the database the parent
made). Prints one line of JSON: the seconds, and the import's own JSON report or the rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    mode, path = argv
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    name = os.environ.get("BENCH_DATABASE_NAME")
    if name:
        connection.settings_dict["NAME"] = name
    started = time.perf_counter()
    report: dict[str, object]
    if mode == "import":
        out = io.StringIO()
        call_command("import", "organizations", path, "--format", "json", stdout=out)
        report = json.loads(out.getvalue())
    elif mode == "csv":
        with open(path, encoding="utf-8-sig", newline="") as stream:
            report = {"rows": sum(1 for _row in csv.reader(stream)) - 1}
    else:
        from shuniu.interop.columns import map_headers
        from shuniu.interop.organizations import COLUMNS, read_rows
        from shuniu.interop.tables import read_table

        table = read_table(path)
        rows = read_rows(table, map_headers(table, COLUMNS))
        report = {"rows": len(rows)}
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "report": report}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
