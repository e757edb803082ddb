"""The audit log's hash chain: how an entry's hash is made, and how a chain is checked.

Each entry's hash is SHA-256 over a canonical JSON encoding of (id, at, actor, action,
subject, previous entry's hash); the first entry's previous hash is "". Changing, removing,
adding or reordering an entry therefore breaks the chain at that entry. Pure: no SQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

GENESIS = ""


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    subject: str
    prev_hash: str | None
    hash: str | None


def entry_hash(
    entry_id: int, at: str, actor: str, action: str, subject: str, prev_hash: str
) -> str:
    """Deterministic: registered as the SQL function audit_hash() on every connection."""
    encoded = json.dumps(
        [int(entry_id), at, actor, action, subject, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _recomputed(entry: AuditEntry) -> str | None:
    if entry.prev_hash is None or entry.hash is None:
        return None
    return entry_hash(entry.id, entry.at, entry.actor, entry.action, entry.subject, entry.prev_hash)


def chain_problems(entries: Sequence[AuditEntry], highest_id: int) -> list[str]:
    """One line per broken entry (empty when intact). `entries` in id order; `highest_id`
    is the highest id ever given (so removing the newest entries shows too)."""
    problems: list[str] = []
    last_hash = GENESIS
    last_id = 0
    for index, entry in enumerate(entries):
        content_ok = _recomputed(entry) == entry.hash
        linked = entry.prev_hash == last_hash
        following = entries[index + 1] if index + 1 < len(entries) else None
        missing = range(last_id + 1, entry.id) if entry.id > last_id + 1 else range(0)
        if entry.hash is None or entry.prev_hash is None:
            problems.append(f"audit entry {entry.id} was added afterwards: it has no hash")
            continue  # the chain goes on from the entry before it
        mended = following.prev_hash == last_hash if following is not None else not linked
        if linked and content_ok:
            pass
        elif not content_ok and mended:
            # Leaving it out mends the chain: it was never part of it.
            problems.append(f"audit entry {entry.id} was added afterwards: it is not in the chain")
            continue
        elif linked:
            problems.append(f"audit entry {entry.id} was changed after it was written")
        elif missing:
            problems += [f"audit entry {gone} was removed" for gone in missing]
            if not content_ok:
                problems.append(f"audit entry {entry.id} was changed after it was written")
        elif not content_ok:
            problems.append(f"audit entry {entry.id} was changed after it was written")
        else:
            before = f"entry {last_id}" if last_id else "the start of the log"
            problems.append(f"audit entry {entry.id} is out of order: it does not follow {before}")
        last_hash = entry.hash
        last_id = entry.id
    newest = entries[-1].id if entries else 0
    problems += [f"audit entry {gone} was removed" for gone in range(newest + 1, highest_id + 1)]
    return problems
