"""The audit log's hash chain, checked without a database: every kind of tampering is named."""

from __future__ import annotations

import dataclasses

from storage.audit_chain import GENESIS, AuditEntry, chain_problems, entry_hash


def chain(count: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    previous = GENESIS
    for n in range(1, count + 1):
        at, actor, action, subject = f"2026-01-0{n}", "sam@council.example", "read", f"s{n}"
        made = entry_hash(n, at, actor, action, subject, previous)
        entries.append(AuditEntry(n, at, actor, action, subject, previous, made))
        previous = made
    return entries


def test_an_intact_chain_has_no_problems() -> None:
    assert chain_problems(chain(5), 5) == []
    assert chain_problems([], 0) == []


def test_the_hash_covers_every_field_and_the_previous_hash() -> None:
    base = entry_hash(1, "at", "actor", "action", "subject", "")
    for changed in (
        entry_hash(2, "at", "actor", "action", "subject", ""),
        entry_hash(1, "at!", "actor", "action", "subject", ""),
        entry_hash(1, "at", "actor!", "action", "subject", ""),
        entry_hash(1, "at", "actor", "action!", "subject", ""),
        entry_hash(1, "at", "actor", "action", "subject!", ""),
        entry_hash(1, "at", "actor", "action", "subject", "x"),
        # No field boundary can be moved: "a","bc" is not "ab","c".
        entry_hash(1, "at", "actor", "actio", "nsubject", ""),
    ):
        assert changed != base


def test_a_changed_entry_is_named() -> None:
    entries = chain(5)
    entries[2] = dataclasses.replace(entries[2], subject="something else")
    assert chain_problems(entries, 5) == ["audit entry 3 was changed after it was written"]


def test_removed_entries_are_named_in_the_middle_and_at_the_end() -> None:
    entries = chain(6)
    assert chain_problems(entries[:2] + entries[3:], 6) == ["audit entry 3 was removed"]
    assert chain_problems(entries[:4], 6) == [
        "audit entry 5 was removed",
        "audit entry 6 was removed",
    ]


def test_an_added_entry_is_named() -> None:
    entries = chain(3)
    forged = AuditEntry(4, "2026-01-09", "nobody", "read", "x", entries[0].hash, "0" * 64)
    assert chain_problems([*entries, forged], 4) == [
        "audit entry 4 was added afterwards: it is not in the chain"
    ]
    unhashed = AuditEntry(4, "2026-01-09", "nobody", "read", "x", None, None)
    assert chain_problems([*entries, unhashed], 4) == [
        "audit entry 4 was added afterwards: it has no hash"
    ]


def test_entries_out_of_order_are_named() -> None:
    first, _, third = chain(3)
    # Another entry's valid place taken: 3 keeps its hash but now follows a different 2.
    other = AuditEntry(
        2, "x", "y", "z", "w", first.hash, entry_hash(2, "x", "y", "z", "w", first.hash)
    )
    problems = chain_problems([first, other, third], 3)
    assert problems == ["audit entry 3 is out of order: it does not follow entry 2"]
