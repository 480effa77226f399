"""Django's SQLite backend with a writer queue in the operating system instead of SQLite's busy loop.

Every transaction starts with BEGIN IMMEDIATE (settings: one writer at a time, no "database is
locked" half-way through). A writer that finds the lock taken is put to sleep by SQLite's busy
handler in growing steps (1, 2, 5, 10, 15, 20, 25 … 100 ms) and retries; under a steady stream of
short transactions from several gunicorn workers most of the time goes to those sleeps. Here the
workers first take an exclusive flock on `<database>-writer.lock`, polled every half millisecond:
the next writer starts as soon as the last one commits. The wait keeps SQLite's timeout and its
error ("database is locked"), so behaviour is unchanged apart from the speed.
"""

import fcntl
import os
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0005


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd = None
    _writer_held = False

    def _start_transaction_under_autocommit(self):
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._drop_writer_lock()
            raise

    def _commit(self):
        try:
            super()._commit()
        finally:
            self._drop_writer_lock()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._drop_writer_lock()

    def _close(self):
        try:
            super()._close()
        finally:
            self._drop_writer_lock()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None

    def _take_writer_lock(self):
        if self.is_in_memory_db() or self._writer_held:
            return
        if self._writer_fd is None:
            self._writer_fd = os.open(f"{self.settings_dict['NAME']}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        while True:
            try:
                fcntl.flock(self._writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._writer_held = True
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(POLL_SECONDS)

    def _drop_writer_lock(self):
        if self._writer_held:
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
            self._writer_held = False
