"""Backups: the database (pg_dump custom format inside an exported snapshot on PostgreSQL, the online
backup API on SQLite), the media files and a manifest; restore into an empty database; retention.

A backup is a directory `safegrid-YYYYmmdd-HHMMSS` under SAFEGRID_BACKUP_DIR:
  manifest.json   time, version, migrations, row counts, checksums, key fingerprints
  database.pgdump | database.sqlite3
  media/          the uploaded files; unchanged files are hard links into the previous backup
  media.sha256    one `sha256  path` line per media file (`sha256sum -c media.sha256` in media/)
It is written as `….partial` and renamed when complete. Reporter-identity keys (SAFEGRID_TIP_KEYS)
and SAFEGRID_SECRET_KEY are never written into it: only their fingerprints, so a restore can say
which keys it needs before anything is changed (`manage.py export_keys` saves the keys apart).
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import version

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_SUMS = "media.sha256"
PREFIX = "safegrid-"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message (Chinese first) says why and what to do."""


def fingerprint(secret):
    """A short, one-way name of a key: says which key without revealing it."""
    return hashlib.sha256(b"safegrid-key-fingerprint:" + secret.encode()).hexdigest()[:16]


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def backup_dir():
    return Path(settings.SAFEGRID_BACKUP_DIR)


# --- Taking a backup ---------------------------------------------------------------------------

def take(target_dir=None, now=None):
    """Write one complete backup and return (path, manifest)."""
    now = now or timezone.now()
    target_dir = Path(target_dir or backup_dir())
    target_dir.mkdir(parents=True, exist_ok=True)
    name = PREFIX + timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    final, partial = target_dir / name, target_dir / (name + ".partial")
    if final.exists():
        raise BackupError(f"备份目录已存在：{final}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    started = time.monotonic()
    previous = latest(target_dir)
    if connection.vendor == "postgresql":
        database = _dump_postgresql(partial / "database.pgdump")
    elif connection.vendor == "sqlite":
        database = _copy_sqlite(partial / "database.sqlite3")
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    media = _copy_media(partial, previous)
    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "version": version.version(),
        "revision": version.revision(),
        **database,
        "media": media,
        "keys": {
            "tip_keys": [fingerprint(k) for k in settings.SAFEGRID_TIP_KEYS],
            "secret_key": fingerprint(settings.SECRET_KEY),
        },
        "seconds": round(time.monotonic() - started, 2),
    }
    manifest["size_bytes"] = _size(partial)
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
    _fsync_dir(partial)
    partial.rename(final)
    _fsync_dir(target_dir)
    return final, manifest


def _dump_postgresql(path):
    """pg_dump -Fc sharing the snapshot of a REPEATABLE READ transaction of our own, so the counts and the
    list of referenced files in the manifest are those of the dump, whatever is written meanwhile."""
    import psycopg

    with psycopg.connect(**pg_params()) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot, server = conn.execute("SELECT pg_export_snapshot(), current_setting('server_version')").fetchone()
        facts = _read_facts(conn.cursor)
        done = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             f"--file={path}"],
            env=pg_env(), capture_output=True, text=True)
        conn.rollback()
    if done.returncode:
        raise BackupError(f"pg_dump 失败：{done.stderr.strip()[:500]}")
    return {"database": {"engine": "postgresql", "server_version": server, "file": path.name,
                         "sha256": sha256_file(path), "bytes": path.stat().st_size}, **facts}


def _copy_sqlite(path):
    """SQLite's online backup API from a connection of its own (in WAL mode it reads one snapshot while the
    platform keeps writing)."""
    source = sqlite3.connect(f"file:{connection.settings_dict['NAME']}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    facts = _facts(sqlite_path=path)
    return {"database": {"engine": "sqlite", "server_version": sqlite3.sqlite_version, "file": path.name,
                         "sha256": sha256_file(path), "bytes": path.stat().st_size}, **facts}


def _facts(sqlite_path=None):
    """Row counts of every model, the applied migrations, the files the rows reference and how many
    rows hold encrypted reporter data, read from the backed-up state."""
    if sqlite_path is None:
        return _read_facts(connection.cursor)
    copy = sqlite3.connect(sqlite_path)
    try:
        return _read_facts(lambda: _SqliteCursor(copy))
    finally:
        copy.close()


class _SqliteCursor:
    def __init__(self, conn):
        self.cursor = conn.cursor()

    def __enter__(self):
        return self.cursor

    def __exit__(self, *exc):
        self.cursor.close()


def _read_facts(cursor_factory):
    counts, files = {}, set()
    qn = connection.ops.quote_name
    with cursor_factory() as cursor:
        for model in _models():
            table = model._meta.db_table
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")
            counts[model._meta.label] = cursor.fetchone()[0]
            for field in model._meta.concrete_fields:
                if field.get_internal_type() == "FileField":
                    column = qn(field.column)
                    cursor.execute(f"SELECT {column} FROM {qn(table)} WHERE {column} <> ''")
                    files.update(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT app, name FROM {qn(MigrationRecorder.Migration._meta.db_table)}")
        applied = {}
        for app, name in cursor.fetchall():
            applied[app] = max(applied.get(app, ""), name)
        encrypted = 0
        for table, column in (("tips_tip", "identity_token"), ("tips_reward", "payment_token")):
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)} WHERE {qn(column)} <> ''")
            encrypted += cursor.fetchone()[0]
    return {"counts": counts, "migrations": applied, "referenced_files": sorted(files),
            "encrypted_rows": encrypted}


def _models():
    return [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]


def _copy_media(partial, previous):
    """Copy MEDIA_ROOT into the backup; a file unchanged since the previous backup (same path, size and
    modification time) becomes a hard link to its copy there and keeps its checksum."""
    root = Path(settings.MEDIA_ROOT)
    target = partial / "media"
    target.mkdir()
    old = _previous_media(previous)
    lines, count, total, linked, copied = [], 0, 0, 0, 0
    for source in sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []:
        rel = source.relative_to(root).as_posix()
        if rel.startswith(".readyz/"):
            continue
        stat = source.stat()
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        known = old.get(rel)
        if known and known["size"] == stat.st_size and known["mtime"] == int(stat.st_mtime):
            try:
                os.link(known["path"], dest)
                digest, linked = known["sha256"], linked + 1
            except OSError:
                known = None
        if not known:
            shutil.copy2(source, dest)
            digest, copied = sha256_file(dest), copied + stat.st_size
        lines.append(f"{digest}  {rel}")
        count, total = count + 1, total + stat.st_size
    (partial / MEDIA_SUMS).write_text("".join(line + "\n" for line in lines))
    return {"files": count, "bytes": total, "linked_from_previous": linked, "copied_bytes": copied,
            "sums_sha256": sha256_file(partial / MEDIA_SUMS)}


def _previous_media(previous):
    """{relative path: {path, size, mtime, sha256}} of the previous backup's media files."""
    if previous is None:
        return {}
    sums = previous.path / MEDIA_SUMS
    out = {}
    for line in sums.read_text().splitlines() if sums.exists() else []:
        digest, rel = line.split("  ", 1)
        path = previous.path / "media" / rel
        try:
            stat = path.stat()
        except OSError:
            continue
        out[rel] = {"path": path, "size": stat.st_size, "mtime": int(stat.st_mtime), "sha256": digest}
    return out


def _size(path):
    """Bytes on disk, each hard-linked file counted once per backup it appears in."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def pg_params():
    """psycopg connection keywords of the default database."""
    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db.get("USER"), "password": db.get("PASSWORD"),
              "host": db.get("HOST"), "port": db.get("PORT"), "sslmode": db.get("OPTIONS", {}).get("sslmode")}
    return {k: v for k, v in params.items() if v}


def pg_env():
    """libpq environment for pg_dump/pg_restore from the default connection (no password on a command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


# --- Listing and retention ---------------------------------------------------------------------

@dataclass(frozen=True, eq=False)  # hashed by identity (kept sets)
class Backup:
    path: Path
    created_at: datetime
    manifest: dict


def backups(target_dir=None):
    """Complete backups (with a manifest), newest first."""
    root = Path(target_dir or backup_dir())
    found = []
    for path in root.glob(PREFIX + "*") if root.exists() else []:
        manifest_path = path / MANIFEST
        if path.suffix == ".partial" or not manifest_path.exists():
            continue
        manifest = json.loads(manifest_path.read_text())
        found.append(Backup(path, datetime.fromisoformat(manifest["created_at"]), manifest))
    return sorted(found, key=lambda b: b.created_at, reverse=True)


def latest(target_dir=None):
    found = backups(target_dir)
    return found[0] if found else None


def to_keep(found, daily, weekly, monthly):
    """Grandfather-father-son: the newest backup of each of the last `daily` days, `weekly` ISO weeks and
    `monthly` months that have one; the newest backup is always kept."""
    keep = set(found[:1])
    for count, key in ((daily, lambda d: d.date()), (weekly, lambda d: d.isocalendar()[:2]),
                       (monthly, lambda d: (d.year, d.month))):
        seen = []
        for b in found:
            k = key(timezone.localtime(b.created_at))
            if k not in seen:
                seen.append(k)
                if len(seen) > count:
                    break
                keep.add(b)
    return keep


def prune(target_dir=None, now=None):
    """Delete backups the retention settings no longer keep (every backup of the last 24 hours stays) and
    leftovers of interrupted runs older than a day. Returns the deleted paths."""
    now = now or timezone.now()
    root = Path(target_dir or backup_dir())
    found = backups(root)
    keep = to_keep(found, settings.SAFEGRID_BACKUP_KEEP_DAILY, settings.SAFEGRID_BACKUP_KEEP_WEEKLY,
                   settings.SAFEGRID_BACKUP_KEEP_MONTHLY)
    keep |= {b for b in found if now - b.created_at < timedelta(days=1)}  # e.g. one taken before an upgrade
    deleted = [b.path for b in found if b not in keep]
    for path in root.glob(PREFIX + "*.partial") if root.exists() else []:
        if now.timestamp() - path.stat().st_mtime > timedelta(days=1).total_seconds():
            deleted.append(path)
    for path in deleted:
        shutil.rmtree(path)
    return deleted


# --- Restoring --------------------------------------------------------------------------------

def load(path):
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{path} 不是完整的备份(没有 {MANIFEST})。")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 不受支持(本版本读取格式 {FORMAT})。")
    return Backup(path, datetime.fromisoformat(manifest["created_at"]), manifest)


def verify(backup):
    """Check every checksum of the backup. Returns the media files as {relative path: sha256}."""
    m = backup.manifest
    db_file = backup.path / m["database"]["file"]
    if not db_file.exists() or sha256_file(db_file) != m["database"]["sha256"]:
        raise BackupError(f"数据库备份文件 {db_file.name} 缺失或校验和不符，备份已损坏。")
    sums = backup.path / MEDIA_SUMS
    if sha256_file(sums) != m["media"]["sums_sha256"]:
        raise BackupError(f"{MEDIA_SUMS} 校验和不符，备份已损坏。")
    media = {}
    for line in sums.read_text().splitlines():
        digest, rel = line.split("  ", 1)
        path = backup.path / "media" / rel
        if not path.exists() or sha256_file(path) != digest:
            raise BackupError(f"附件 {rel} 缺失或校验和不符，备份已损坏。")
        media[rel] = digest
    return media


def key_problems(manifest):
    """(missing tip-key fingerprints, secret key differs) for restoring `manifest` with today's settings."""
    present = {fingerprint(k) for k in settings.SAFEGRID_TIP_KEYS}
    missing = [] if not manifest["encrypted_rows"] else [f for f in manifest["keys"]["tip_keys"] if f not in present]
    return missing, fingerprint(settings.SECRET_KEY) != manifest["keys"]["secret_key"]


def restore(path, *, without_tip_keys=False, log=print):
    """Restore the backup at `path` into the configured, empty database and media folder."""
    backup = load(path)
    m = backup.manifest
    engine = m["database"]["engine"]
    if engine != connection.vendor:
        raise BackupError(f"这是 {engine} 数据库的备份，当前配置的数据库是 {connection.vendor}：请把 DATABASE_URL "
                          f"指向一个空的 {engine} 数据库后再恢复。")
    missing, secret_differs = key_problems(m)
    if missing and not without_tip_keys:
        raise BackupError(
            f"备份中有 {m['encrypted_rows']} 条加密的举报人身份或奖励收款信息，需要备份时的举报人信息密钥；当前 "
            f"SAFEGRID_TIP_KEYS 缺少指纹为 {', '.join(missing)} 的密钥。请从单独保存的密钥文件(manage.py "
            f"export_keys)取回后写入 SAFEGRID_TIP_KEYS 再恢复；确认这些信息不再需要时加 --without-tip-keys(恢复后"
            f"这些身份信息无法解密)。未做任何改动。")
    _check_empty_target()
    log("校验备份文件 verifying checksums …")
    media = verify(backup)
    started = time.monotonic()
    log(f"恢复数据库 restoring the {engine} database …")
    if engine == "postgresql":
        _restore_postgresql(backup.path / m["database"]["file"])
    else:
        _restore_sqlite(backup.path / m["database"]["file"])
    log(f"恢复附件 restoring {len(media)} media files …")
    _restore_media(backup.path / "media", media)
    restored = _facts()
    if restored["counts"] != m["counts"]:
        differ = [k for k in m["counts"] if restored["counts"].get(k) != m["counts"][k]]
        raise BackupError(f"恢复后的行数与备份清单不符：{', '.join(differ)}")
    absent = [f for f in m["referenced_files"] if f not in media]
    unreadable = _undecryptable()
    _record(backup, restored)
    report = {
        "seconds": round(time.monotonic() - started, 2),
        "rows": sum(restored["counts"].values()),
        "media_files": len(media),
        "referenced_files_absent": absent,
        "undecryptable_rows": unreadable,
        "missing_tip_keys": missing,
        "secret_key_differs": secret_differs,
        "backup_version": m["version"],
    }
    return report


def _check_empty_target():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
            tables = cursor.fetchone()[0]
        name = connection.settings_dict["NAME"]
    else:
        name = connection.settings_dict["NAME"]
        tables = 0
        if Path(name).exists() and Path(name).stat().st_size:
            with sqlite3.connect(name) as probe:
                tables = probe.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    if tables:
        raise BackupError(f"目标数据库 {name} 不是空的(已有 {tables} 张表)：只能恢复到新建的空数据库。未做任何改动。")
    root = Path(settings.MEDIA_ROOT)
    if root.exists() and any(p.is_file() and not p.relative_to(root).as_posix().startswith(".readyz/")
                             for p in root.rglob("*")):
        raise BackupError(f"附件目录 {root} 不是空的：请指向一个空目录(SAFEGRID_MEDIA_ROOT)。未做任何改动。")


def _restore_postgresql(path):
    connection.close()
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={connection.settings_dict['NAME']}", str(path)],
        env=pg_env(), capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_restore 失败(数据库未改动)：{done.stderr.strip()[:500]}")


def _restore_sqlite(path):
    connection.close()
    name = Path(connection.settings_dict["NAME"])
    for suffix in ("-wal", "-shm"):
        Path(str(name) + suffix).unlink(missing_ok=True)
    source, target = sqlite3.connect(f"file:{path}?mode=ro", uri=True), sqlite3.connect(name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _restore_media(source_root, media):
    root = Path(settings.MEDIA_ROOT)
    for rel, digest in media.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source_root / rel, dest)
        if sha256_file(dest) != digest:
            raise BackupError(f"附件 {rel} 写入后校验和不符(磁盘问题？)")


def _undecryptable():
    """Rows whose encrypted reporter data no configured key opens."""
    from cryptography.fernet import InvalidToken

    from safegrid.tips import crypto
    from safegrid.tips.models import Reward, Tip

    bad = 0
    fernet = crypto._fernet()
    for model, field in ((Tip, "identity_token"), (Reward, "payment_token")):
        for token in model.objects.exclude(**{field: ""}).values_list(field, flat=True).iterator():
            try:
                fernet.decrypt(token.encode())
            except InvalidToken:
                bad += 1
    return bad


def _record(backup, restored):
    from safegrid.audit.services import record

    record("backup_restore", None, object_type="ops.backup", object_id=backup.path.name, region_code="",
           after={"backup": backup.path.name, "created_at": backup.manifest["created_at"],
                  "version": backup.manifest["version"], "rows": sum(restored["counts"].values())})
