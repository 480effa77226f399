"""Enterprise ledger (台账) Excel at city scale: export of every enterprise, import of 50,000 new rows.

On the cached city database (bench_registry_city), in process, with safegrid/registry/ledger.py
(the ledger engineer's export rows and all-or-nothing import) and safegrid/excel.py:
- export: all enterprises (~200,000) streamed into one sheet, saved to a temporary file;
- import: 50,000 rows from one county's ledger (its ~20,000 rows repeated) with fresh credit codes
  and names (so all are new),
  validated and written by ledger.run_import as that county's office, then rolled back so the
  cached database stays as generated.
Peak memory: the process's maximum resident set size (ru_maxrss) after each phase; it is a
process-wide high-water mark, so the import figure includes the export before it.
"""

import random
import resource
import tempfile
import time
from pathlib import Path

from bench import common
from bench.bench_registry_city import city_database

NAME = "registry_excel"
IMPORT_ROWS = 50_000


class _Rollback(Exception):
    pass


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args):
    with city_database() as db, tempfile.TemporaryDirectory(prefix="safegrid-bench-xlsx-") as tmp:
        from safegrid import excel
        from safegrid.registry import ledger
        from safegrid.registry.models import Enterprise

        everything = Enterprise.objects.filter(voided_at__isnull=True)
        path = Path(tmp) / "all.xlsx"
        started = time.perf_counter()
        workbook = excel.new_workbook()
        excel.write_sheet(workbook, ledger.SHEET_TITLE, ledger.LEDGER_HEADERS, ledger.ledger_rows(everything))
        workbook.save(path)
        common.emit(NAME, "export_s", time.perf_counter() - started, "s", db=db.kind, rows=everything.count(),
                    bytes=path.stat().st_size, peak_rss_mb=round(peak_mb()))
        import_seconds(db, Path(tmp) / "import.xlsx")


def import_seconds(db, path):
    from django.db import transaction
    from stdnum.cn import uscc

    from safegrid import excel
    from safegrid.accounts.models import User
    from safegrid.registry import ledger
    from safegrid.registry.generator import ENTITY_TYPE, org_code

    user = User.objects.get(username="431102_county")
    source = ledger.Enterprise.objects.filter(region_code="431102", voided_at__isnull=True,
                                            grid__isnull=False)[:IMPORT_ROWS]  # coordinates inside the county
    rng = random.Random(7)
    code_col, reason_col, name_col = (ledger.LEDGER_HEADERS.index(ledger.HEADER_OF[f])
                                      for f in ("credit_code", "no_credit_code_reason", "name"))

    def fresh(rows):
        for number, row in enumerate(rows, start=1):
            body = ENTITY_TYPE["company"] + "431102" + org_code(rng)
            row[code_col], row[reason_col] = body + uscc.calc_check_digit(body), ""
            row[name_col] = f"{row[name_col]}(新{number})"
            yield row

    rows = list(ledger.ledger_rows(ledger.Enterprise.objects.filter(pk__in=source.values("pk"))))
    # One county holds ~20,000: repeat its rows (fresh codes and names) up to IMPORT_ROWS.
    rows = [list(rows[i % len(rows)]) for i in range(IMPORT_ROWS)]
    workbook = excel.new_workbook()
    excel.write_sheet(workbook, ledger.SHEET_TITLE, ledger.LEDGER_HEADERS, fresh(rows))
    workbook.save(path)
    started = time.perf_counter()
    plan = None
    try:
        with transaction.atomic():
            plan = ledger.run_import(path, user, filename=path.name)
            raise _Rollback
    except _Rollback:
        pass
    seconds = time.perf_counter() - started
    if plan is None or not plan.valid:
        errors = getattr(plan, "errors", None)
        raise RuntimeError(f"import rejected the generated file: {str(errors)[:500]}")
    common.emit(NAME, "import_s", seconds, "s", db=db.kind, rows=plan.rows, created=len(plan.creates),
                peak_rss_mb=round(peak_mb()), note="validated and written, then rolled back")
