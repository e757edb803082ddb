"""How the engine's replies look on Telegram: inline keyboards, and tidy edits after a tap.

Bodies are plain dicts (stored as JSON in the outbox) holding exactly what the Bot API call
needs, so a message renders once, when it is queued, and is sent as it was saved.
"""

from __future__ import annotations

from typing import Any

from conversations.messages import Choice, Reply

DONE = "done"
TOGGLE = "toggle:"
TICKED = "✅"
UNTICKED = "⬜"
MAX_TEXT = 4096


def _is_scale(choices: tuple[Choice, ...]) -> bool:
    return bool(choices) and all(
        c.label == c.value or c.label.startswith(f"{c.value} ") for c in choices
    )


def keyboard(reply: Reply) -> dict[str, Any] | None:
    """The inline keyboard for a reply's choices, as Bot API JSON."""
    choices = reply.choices
    if not choices:
        return None
    rows: list[list[dict[str, str]]]
    if reply.multi:
        rows = [
            [
                {
                    "text": f"{TICKED if c.value in reply.selected else UNTICKED} {c.label}",
                    "callback_data": f"{TOGGLE}{c.value}",
                }
            ]
            for c in choices
            if c.value != DONE
        ]
        rows.append([{"text": f"Done {TICKED}", "callback_data": DONE}])
    elif _is_scale(choices):
        buttons = [{"text": c.value, "callback_data": c.value} for c in choices]
        width = 6 if len(buttons) > 6 else len(buttons)
        rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    elif {c.value for c in choices} == {"yes", "no"}:
        rows = [[{"text": c.label, "callback_data": c.value} for c in choices]]
    else:
        rows = [[{"text": c.label, "callback_data": c.value}] for c in choices]
    return {"inline_keyboard": rows}


def message_text(reply: Reply) -> str:
    """The text, with a scale's end labels spelled out (the buttons show only numbers)."""
    text = reply.text
    if not reply.multi and _is_scale(reply.choices):
        ends = [c for c in reply.choices if c.label != c.value]
        if ends:
            text += "\n" + ", ".join(f"{c.value} = {c.label[len(c.value) + 1 :]}" for c in ends)
    return text[:MAX_TEXT]


def send_body(reply: Reply) -> dict[str, Any]:
    return {"op": "send", "text": message_text(reply), "markup": keyboard(reply)}


def edit_body(message_id: int, reply: Reply) -> dict[str, Any]:
    """Redraw a question in place (ticking a "choose all that apply" option)."""
    return {
        "op": "edit",
        "message_id": message_id,
        "text": message_text(reply),
        "markup": keyboard(reply),
    }


def chosen_body(
    message_id: int, text: str, markup: dict[str, Any] | None, data: str
) -> dict[str, Any]:
    """After a tap: the question keeps its words, shows what was chosen, and loses its
    buttons, so the chat reads cleanly and an old button cannot answer again."""
    label = None
    buttons = [b for row in (markup or {}).get("inline_keyboard", []) for b in row]
    for button in buttons:
        if button.get("callback_data") == data:
            label = button.get("text")
    if data == DONE:  # show what was ticked, not the Done button
        ticked = [
            str(b.get("text", ""))[len(TICKED) + 1 :]
            for b in buttons
            if str(b.get("callback_data", "")).startswith(TOGGLE)
            and str(b.get("text", "")).startswith(TICKED)
        ]
        label = ", ".join(ticked) if ticked else None
    shown = text if label is None else f"{text}\n\n→ {label}"
    return {"op": "edit", "message_id": message_id, "text": shown[:MAX_TEXT], "markup": None}
