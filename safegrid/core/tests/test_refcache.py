"""Per-process reference caches: a write to a watched table, however issued, invalidates."""

import pytest
from django.db import connection, transaction

from safegrid.accounts.models import User
from safegrid.core import refcache
from safegrid.regions.models import Grid
from safegrid.testing import square


def names():
    return refcache.get(("test_names",), ("accounts_user",),
                        lambda: sorted(User.objects.values_list("username", flat=True)))


@pytest.mark.django_db
def test_cached_until_the_table_changes(world):
    before = names()
    assert names() is before  # same object: served from the cache
    User.objects.filter(pk=world.town_user.pk).update(username="renamed")  # bulk update, no signals
    assert "renamed" in names() and "town_a" not in names()


@pytest.mark.django_db
def test_every_kind_of_write_moves_the_generation(world):
    seen = {refcache.generations()["regions_grid"]}
    grid = Grid.objects.get(code="HLS-01")
    grid.name = "改名"
    grid.save()
    seen.add(refcache.generations()["regions_grid"])
    Grid.objects.filter(pk=grid.pk).update(polygon=square(112.5, 28.5))
    seen.add(refcache.generations()["regions_grid"])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM regions_grid WHERE code = %s", ["QCL-01"])
    seen.add(refcache.generations()["regions_grid"])
    assert len(seen) == 4


@pytest.mark.django_db
def test_a_rolled_back_generation_is_never_reused(world):
    committed = refcache.generations()["accounts_user"]
    inside = []
    for name in ("one", "two", "three"):
        with pytest.raises(RuntimeError), transaction.atomic():
            User.objects.filter(pk=world.town_user.pk).update(username=name)
            inside.append(refcache.generations()["accounts_user"])
            raise RuntimeError("roll back")
        assert refcache.generations()["accounts_user"] == committed
    assert len(set(inside)) == 3 and committed not in inside


@pytest.mark.django_db
def test_request_scope_reads_once_and_forgets_on_write(world):
    with refcache.request_scope(), _count_generation_reads() as reads:
        names()
        names()
        assert reads == [1]
        User.objects.filter(pk=world.town_user.pk).update(username="renamed")
        assert "renamed" in names()
        assert reads == [2]


@pytest.mark.django_db
def test_request_scope_keeps_its_generations_over_writes_to_unwatched_tables(world):
    from safegrid.audit.services import record

    with refcache.request_scope(), _count_generation_reads() as reads:
        names()
        with transaction.atomic():  # BEGIN, SAVEPOINT, RELEASE and an audit row move no generation
            record("test.write", world.town_user, actor=world.admin)
        names()
        assert reads == [1]
        User.objects.filter(pk=world.town_user.pk).update(last_login=None)  # a watched table
        names()
        assert reads == [2]


@pytest.mark.parametrize(("sql", "harmless"), [
    ("SELECT name, value FROM safegrid_generation", True),
    ('  select "x" from "accounts_user"', True),
    ('SAVEPOINT "s1_x2"', True),
    ('RELEASE SAVEPOINT "s1_x2"', True),
    ('INSERT INTO "hazards_hazard" ("state") VALUES (%s) RETURNING "hazards_hazard"."id"', True),
    ("insert into risk_regradequeue (enterprise_id) values (%s) on conflict (enterprise_id) do nothing", True),
    ('UPDATE "hazards_hazard" SET "state" = %s WHERE "id" = %s', True),
    ('DELETE FROM "notifications_notification" WHERE "id" IN (%s)', True),
    ('INSERT INTO "regions_grid" ("code") VALUES (%s)', False),
    ('UPDATE "accounts_user" SET "last_login" = %s', False),
    ("delete from authtoken_token where key = %s", False),
    ('ROLLBACK TO SAVEPOINT "s1_x2"', False),
    ("WITH gone AS (DELETE FROM accounts_scopegrant RETURNING id) SELECT count(*) FROM gone", False),
    ("UPDATE hazards_hazard SET state = 'x'; UPDATE accounts_user SET name = 'y'", False),
    ("TRUNCATE regions_grid", False),
    ("BEGIN IMMEDIATE", True),
    ("UPDATE OR IGNORE accounts_user SET name = 'x'", False),
    ("UPDATE ONLY accounts_user SET name = 'x'", False),
    ("DELETE FROM ONLY authtoken_token", False),
    ("update ACCOUNTS_USER set name = 'x'", False),
    ('UPDATE "public"."hazards_hazard" SET "state" = %s', False),
])
def test_which_statements_keep_a_request_s_generations(sql, harmless):
    assert refcache._changes_no_watched_table(sql) is harmless


@pytest.mark.django_db(transaction=True)
def test_values_read_inside_a_rolled_back_transaction_do_not_outlive_it(world):
    with refcache.request_scope():
        names()
        with pytest.raises(RuntimeError), transaction.atomic():
            User.objects.filter(pk=world.town_user.pk).update(username="never_committed")
            assert "never_committed" in names()  # the transaction sees its own change
            raise RuntimeError("roll back")  # no ROLLBACK statement passes through the cursor
        from safegrid.audit.services import record

        record("test.write", world.town_user, actor=world.admin)  # an unwatched write keeps the memo
        assert "never_committed" not in names() and "town_a" in names()


@pytest.mark.django_db
def test_misses_of_user_supplied_keys_are_not_kept():
    assert refcache.get(("test_miss", "random"), (), lambda: None, keep_none=False) is None
    assert ("test_miss", "random") not in refcache._entries


class _count_generation_reads:
    def __enter__(self):
        self.reads = [0]

        def wrapper(execute, sql, params, many, context):
            if refcache.TABLE in sql:
                self.reads[0] += 1
            return execute(sql, params, many, context)

        self.wrapper = connection.execute_wrapper(wrapper)
        self.wrapper.__enter__()
        return self.reads

    def __exit__(self, *exc):
        return self.wrapper.__exit__(*exc)
