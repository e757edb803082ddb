"""Results as a readable table in the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

HIDDEN = "*"


def _shown(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def print_table(result: dict[str, Any], min_count: int, console: Console | None = None) -> None:
    console = console or Console(width=120)
    console.print(f"{result['title']} ({result['slug']})")
    console.print(f"Responses: {result['responses']}   Completed: {result['completed']}")
    by_labels = result.get("by_labels", {})
    for entry in result["questions"]:
        console.print()
        breakdown = entry.get("breakdown")
        columns = ["answer", "count"]
        if breakdown:
            columns = ["answer", *by_labels.values()]
        table = Table(*columns, title=f"{entry['id']} ({entry['type']})", title_justify="left")
        for value, count in entry["counts"].items():
            label = entry["labels"].get(value, value)
            if breakdown:
                cells = breakdown["counts"][value]
                table.add_row(label, *(_shown(cells[c]) for c in by_labels))
            else:
                table.add_row(label, _shown(count))
        if breakdown:  # how many in each column answered, not the overall total
            table.add_row("answered", *(_shown(breakdown["totals"][c]) for c in by_labels))
        else:
            table.add_row("answered", _shown(entry["answered"]))
        console.print(table)
        if "breakdown" in entry and breakdown is None:
            console.print(f"No breakdown: fewer than {min_count} responses in all.")
    console.print()
    console.print(
        f"{HIDDEN} hidden: fewer than {min_count}, or hidden so a small number can't be worked out."
    )
