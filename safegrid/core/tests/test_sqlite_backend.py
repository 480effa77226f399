"""The SQLite backend queues writers on a file lock (safegrid/core/sqlite_backend)."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backend only"),
]


def _other_connection(timeout):
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, "OPTIONS": {**wrapper.settings_dict["OPTIONS"],
                                                                   "timeout": timeout}}
    return wrapper


def test_a_second_writer_waits_for_the_first_to_commit():
    order = []

    def second():
        other = _other_connection(timeout=10)
        with _atomic(other):
            order.append("second")
        other.close()

    with transaction.atomic():
        assert connection._writer_held
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.2)
        order.append("first")  # the second writer is still waiting
    thread.join(10)
    assert order == ["first", "second"]
    assert not connection._writer_held


def test_the_wait_ends_with_database_is_locked_after_the_timeout():
    errors = []

    def second():
        other = _other_connection(timeout=0.2)
        try:
            with _atomic(other):
                pass
        except OperationalError as exc:
            errors.append(str(exc))
        finally:
            other.close()

    with transaction.atomic():
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(10)
    assert errors == ["database is locked"]


def test_a_rolled_back_transaction_releases_the_lock():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        1 / 0  # noqa: B018
    assert not connection._writer_held


class _atomic:
    """BEGIN IMMEDIATE … COMMIT on a connection that is not in Django's handler."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def __enter__(self):
        self.wrapper.ensure_connection()
        self.wrapper._start_transaction_under_autocommit()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.wrapper._commit()
        else:
            self.wrapper._rollback()
