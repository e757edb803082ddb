"""Automatic checks of a page against WCAG 2.2 AA, run in the browser on what it really shows:
what can be checked by machine, not a replacement for a person with a screen reader.

- 1.4.3 contrast: every piece of visible text against the background behind it, at least
  4.5:1 (3:1 for large text);
- 1.4.10 reflow: nothing scrolls sideways at 320 CSS pixels wide, except data tables,
  which may scroll inside their own box;
- 1.3.1 / 4.1.2: every form field has a label, every chart a name, every table a caption,
  one h1 and no skipped heading levels, the page's language set;
- 2.4.7 / 2.4.11 focus: whatever the Tab key reaches shows a visible focus outline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

PHONE = {"width": 320, "height": 640}
CHECKS = (Path(__file__).parent / "accessibility.js").read_text("utf-8")


def check(page: Page, name: str) -> Any:
    return page.evaluate(f"() => ({CHECKS}).{name}()")


def problems(page: Page, tabs: int = 40) -> list[str]:
    """What the page at hand fails, as readable lines (none when it passes). Leaves the page
    at the width it found it."""
    found: list[str] = [*check(page, "structure"), *check(page, "contrast")]
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(tabs):
        page.keyboard.press("Tab")
        unfocused = check(page, "focus")
        if unfocused is None:
            break
        if unfocused:
            found.append(f"no visible focus on {unfocused}")
    wide = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        found.extend(f"at 320px: {line}" for line in check(page, "sideways"))
    finally:
        if wide is not None:
            page.set_viewport_size(wide)
    return [f"{page.url}: {line}" for line in found]
