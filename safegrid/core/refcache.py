"""Per-process caches of reference data that every submission reads and that rarely changes
(grids and their outlines, categories, rules, who hears about a town's notices, partners).

Invalidation is by the database, not by the code that writes: `safegrid_generation` holds one
value per watched table, and triggers set a new value on every INSERT, UPDATE or DELETE (and
TRUNCATE on PostgreSQL) of that table, whoever issues it: services, bulk updates, generators,
raw SQL, test flushes. A cached value remembers the generations of the tables it was read from
and is used only while they are unchanged; the generations are read (one small query) on every
look-up, before the data, so a value is never older than its tag.

A new value is never reused, even after a rollback: PostgreSQL takes it from a sequence, SQLite
from random(). So a value read inside a transaction that later rolls back is never mistaken for
a committed state. The triggers are (re)installed after every `migrate` (post_migrate): SQLite
drops a table's triggers when a migration rebuilds the table.

Within a request (`request_scope`, entered by core.middleware) the generations are read once
and reused until the request's connection writes to a watched table (or runs a statement it cannot
tell); values read inside a transaction the request opened are not kept. The reference data a
request sees is then as of its first look-up, and its own changes are always seen.

Cached model instances are shared between requests: read them, never change them.
"""

import contextlib
import contextvars
import re
import threading

from django.db import connection

TABLE = "safegrid_generation"
WATCHED = (
    "authtoken_token", "accounts_user", "accounts_scopegrant",
    "regions_region", "regions_grid", "regions_department",
    "registry_safetycategory", "registry_responsibilityrule", "registry_responsibilityrule_cooperating_departments",
    "hazards_hazardtype", "tips_partner",
)
_WATCHED_SET = frozenset(WATCHED)
MAX_ENTRIES = 20_000  # beyond this the cache starts afresh (keys are bounded by grids x roles anyway)

_entries = {}
_lock = threading.Lock()
_memo = contextvars.ContextVar("safegrid_refcache_memo", default=None)
_depth = contextvars.ContextVar("safegrid_refcache_depth", default=0)  # atomic blocks open at request start


def generations():
    """{table: value}: one small query, no ORM (none at all when the request's memo holds them)."""
    memo = _memo.get()
    if memo:
        return memo
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, value FROM {TABLE}")  # noqa: S608 (constant)
        found = dict(cursor.fetchall())
    if memo is not None and len(connection.atomic_blocks) == _depth.get():
        # Only values read outside the request's own transactions are kept: a transaction can
        # roll back without a statement through the cursor, and what it read must not outlive it.
        memo.update(found)
    return found


@contextlib.contextmanager
def request_scope():
    """Reuse the generations read in this block until its connection runs anything but a SELECT."""
    token, depth = _memo.set({}), _depth.set(len(connection.atomic_blocks))
    try:
        with connection.execute_wrapper(_forget_on_write):
            yield
    finally:
        _memo.reset(token)
        _depth.reset(depth)


_READS = ("SELECT", "SAVEPOINT", "RELEASE", "BEGIN")  # statements that change no table
# One write statement naming its table (Django's INSERT/UPDATE/DELETE, and our raw ones).
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?\s', re.IGNORECASE)
_NOT_TABLES = {"or", "only"}  # UPDATE OR IGNORE t (SQLite), UPDATE ONLY t (PostgreSQL): unknown table


def _forget_on_write(execute, sql, params, many, context):
    memo = _memo.get()
    if memo and not _changes_no_watched_table(sql):
        memo.clear()
    return execute(sql, params, many, context)


def _changes_no_watched_table(sql):
    """True for reads and for single writes to tables nobody watches (a hazard, its timeline,
    the audit trail), which cannot move a generation; anything else counts as a change."""
    if sql.lstrip()[:9].upper().startswith(_READS):
        return True
    write = _WRITE.match(sql)
    if not write or ";" in sql.rstrip().rstrip(";"):
        return False
    table = write.group(1).lower()
    return table not in _WATCHED_SET and table not in _NOT_TABLES


def get(key, tables, load, keep_none=True):
    """The value of `load()` for `key`, reused while none of `tables` changed. `keep_none=False`
    for keys taken from user input: a miss is then not stored (random keys cannot fill the cache)."""
    current = generations()
    tag = tuple(current.get(t) for t in tables)
    if None in tag:
        return load()
    found = _entries.get(key)
    if found is not None and found[0] == tag:
        return found[1]
    value = load()
    if value is None and not keep_none:
        return value
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = (tag, value)
    return value


def clear():
    _entries.clear()


# --- installation ------------------------------------------------------------------------


def _sqlite_statements(tables, cursor):
    yield f"CREATE TABLE IF NOT EXISTS {TABLE} (name varchar(100) PRIMARY KEY, value bigint NOT NULL)"
    for table in tables:
        yield f"INSERT OR IGNORE INTO {TABLE} (name, value) VALUES ('{table}', random())"
        for op in ("INSERT", "UPDATE", "DELETE"):
            yield (f"CREATE TRIGGER IF NOT EXISTS {table}_gen_{op.lower()} AFTER {op} ON {table} "
                   f"BEGIN UPDATE {TABLE} SET value = random() WHERE name = '{table}'; END")


def _postgres_statements(tables, cursor):
    cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    present = {row[0] for row in cursor.fetchall()}
    yield f"CREATE SEQUENCE IF NOT EXISTS {TABLE}_seq"
    yield f"CREATE TABLE IF NOT EXISTS {TABLE} (name varchar(100) PRIMARY KEY, value bigint NOT NULL)"
    yield (f"CREATE OR REPLACE FUNCTION {TABLE}_bump() RETURNS trigger AS $$ BEGIN "
           f"UPDATE {TABLE} SET value = nextval('{TABLE}_seq') WHERE name = TG_TABLE_NAME; RETURN NULL; "
           "END; $$ LANGUAGE plpgsql")
    for table in tables:
        yield f"INSERT INTO {TABLE} (name, value) VALUES ('{table}', nextval('{TABLE}_seq')) ON CONFLICT DO NOTHING"
        if f"{table}_gen" not in present:
            # One bump per statement: a bulk write of 100,000 rows costs one update of the tag row.
            yield (f"CREATE TRIGGER {table}_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_bump()")


def install(using=None, **kwargs):
    """post_migrate receiver: the generation table and the triggers of the watched tables."""
    from django.db import connections

    conn = connections[using or "default"]
    builders = {"sqlite": _sqlite_statements, "postgresql": _postgres_statements}
    if conn.vendor not in builders:
        return
    existing = set(conn.introspection.table_names())
    tables = [t for t in WATCHED if t in existing]
    with conn.cursor() as cursor:
        for sql in list(builders[conn.vendor](tables, cursor)):
            cursor.execute(sql)
    clear()
