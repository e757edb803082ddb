"""Backups and restores of the SQLite file, and the lock `serve` holds while it runs.

A backup is SQLite's online backup API run in one step, so it copies one consistent
snapshot even while `serve` writes; it goes to a temporary file beside the target, is
checked with PRAGMA integrity_check and only then renamed into place. A restore checks the
backup the same way, keeps the current database (with its -wal) as
DB.before-restore-TIMESTAMP, and renames a checked copy into place.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.migrate import available_migrations
from storage.protocol import StorageError

BUSY_TIMEOUT_MS = 15000
_SIDE_FILES = ("-wal", "-shm", "-journal")
# Tables every youthvoice database has, whatever its age.
_OURS = {"schema_migrations", "surveys", "participants"}


class RestoreRefused(StorageError):
    """The restore was not done, and nothing was changed."""


@dataclass(frozen=True)
class DatabaseReport:
    path: Path
    size: int
    rows: dict[str, int]


def lock_path(database: str | Path) -> Path:
    return Path(f"{database}.serve-lock")


@contextlib.contextmanager
def serving(database: str | Path) -> Iterator[None]:
    """Held (shared, so several serves may run) for as long as `serve` runs; a restore
    takes it exclusively. The OS drops it when the process ends, however it ends."""
    with _locked(database, fcntl.LOCK_SH) as held:
        if not held:
            raise StorageError(f"a restore of {database} is in progress: try again when it ends")
        yield


@contextlib.contextmanager
def _locked(database: str | Path, how: int) -> Iterator[bool]:
    path = lock_path(database)
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageError(f"cannot make the lock file {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(handle, how | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def _fsync_dir(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _temp_beside(target: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    return Path(name)


def _remove(path: Path) -> None:
    for name in (str(path), *(f"{path}{side}" for side in _SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def check_database(path: Path) -> DatabaseReport:
    """integrity_check, and that it is a youthvoice database no newer than this youthvoice;
    its size and every table's row count. Raises StorageError saying what is wrong."""
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            found = conn.execute("PRAGMA integrity_check(1)").fetchone()
            if found is None or found[0] != "ok":
                what = " ".join(str(found[0]).split()) if found else "no answer"
                raise StorageError(f"{path} fails its integrity check: {what}")
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            if not set(names) >= _OURS:
                raise StorageError(f"{path} is not a youthvoice database")
            newest = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
            known = max(m.version for m in available_migrations())
            if newest is not None and int(newest) > known:
                raise StorageError(f"{path} was made by a newer youthvoice: upgrade first")
            rows = {
                n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names
            }
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path} cannot be read as a database: {exc}") from None
    return DatabaseReport(path, path.stat().st_size, rows)


def backup(database: str | Path, target: Path, *, force: bool = False) -> DatabaseReport:
    """A consistent copy of `database` at `target`, checked; refuses an existing `target`
    unless `force`. A failure leaves no file at `target`."""
    source_path = Path(database)
    if not source_path.exists():
        raise StorageError(f"there is no database at {source_path}")
    if target.exists() and not force:
        raise StorageError(f"{target} already exists: choose another name, or add --force")
    if target.resolve() == source_path.resolve():
        raise StorageError("the backup cannot be the database itself")
    if not target.parent.is_dir():
        raise StorageError(f"there is no folder {target.parent}")
    temp = _temp_beside(target)
    try:
        with contextlib.closing(sqlite3.connect(source_path)) as source:
            source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            with contextlib.closing(sqlite3.connect(temp)) as copy:
                # pages=-1: the whole database in one step, from one read snapshot.
                source.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        with open(temp, "rb") as written:
            os.fsync(written.fileno())
        try:
            report = check_database(temp)
        except StorageError as exc:
            raise StorageError(str(exc).replace(str(temp), "the copy")) from None
        if force:
            os.replace(temp, target)
        else:
            os.link(temp, target)  # fails, rather than overwrite, if it appeared meanwhile
            os.unlink(temp)
        _fsync_dir(target.parent)
    except FileExistsError:
        raise StorageError(
            f"{target} already exists: choose another name, or add --force"
        ) from None
    except sqlite3.Error as exc:
        raise StorageError(f"the backup failed: {exc}") from None
    except OSError as exc:
        raise StorageError(f"the backup failed: {exc.strerror or exc}") from None
    finally:
        _remove(temp)
    return DatabaseReport(target, report.size, report.rows)


@dataclass(frozen=True)
class Restored:
    report: DatabaseReport
    kept: Path | None  # where the database it replaced now is


def restore(source: Path, database: str | Path, now: datetime | None = None) -> Restored:
    """Replace `database` by the backup `source`, keeping the current one beside it.
    Refuses (changing nothing) while `serve` runs on it or when the backup is not good."""
    db = Path(database)
    if not source.is_file():
        raise RestoreRefused(f"there is no backup file {source}")
    if source.resolve() == db.resolve():
        raise RestoreRefused("the backup is the database itself")
    with _locked(db, fcntl.LOCK_EX) as held:
        if not held:
            raise RestoreRefused(
                f"youthvoice serve is running on {db}: stop it first, then restore"
            )
        temp = _temp_beside(db)
        try:
            try:
                with open(source, "rb") as reading, open(temp, "wb") as writing:
                    while chunk := reading.read(1 << 20):
                        writing.write(chunk)
                    writing.flush()
                    os.fsync(writing.fileno())
            except OSError as exc:
                raise RestoreRefused(f"cannot copy {source}: {exc.strerror or exc}") from None
            try:
                report = check_database(temp)
            except StorageError as exc:
                raise RestoreRefused(str(exc).replace(str(temp), str(source))) from None
            _remove_side_files(temp)
            kept = None
            if db.exists():
                stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
                kept = db.with_name(f"{db.name}.before-restore-{stamp}")
                # The -wal may hold committed changes: it moves with its database.
                for side in ("", "-wal"):
                    if Path(f"{db}{side}").exists():
                        os.replace(f"{db}{side}", f"{kept}{side}")
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{db}-shm")
            os.replace(temp, db)
            _fsync_dir(db.parent)
        finally:
            _remove(temp)
    return Restored(DatabaseReport(db, report.size, report.rows), kept)


def _remove_side_files(path: Path) -> None:
    for side in _SIDE_FILES:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{side}")
