"""What a text message costs, and how to keep it cheap.

An SMS is billed by the segment. Text written only in the GSM-7 alphabet (3GPP TS 23.038)
fits 160 characters in one segment; one character outside it (an emoji, a curly quote)
turns the whole message into UCS-2, where one segment holds only 70. So typographic
characters with a plain equivalent are swapped for it, and emoji that only decorate an
option are dropped, while text a survey really needs (Welsh ŵ and ŷ, an emoji-only option)
is kept and simply costs more.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

# The default alphabet, less ESC (0x1B), which only introduces the extension table.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Sent as ESC plus a character, so each costs two septets.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE, GSM_PART = 160, 153  # a multi-part message gives 7 septets to its header
UCS2_SINGLE, UCS2_PART = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True, slots=True)
class SegmentCount:
    """How a message is sent: its encoding, its length in that encoding's units (septets
    for GSM-7, UTF-16 code units for UCS-2), and how many segments are billed."""

    encoding: Encoding
    units: int
    segments: int


def is_gsm(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def non_gsm_characters(text: str) -> str:
    """The characters that make `text` go as UCS-2, each once, in order of appearance."""
    return "".join(dict.fromkeys(ch for ch in text if not is_gsm(ch)))


def count_segments(text: str) -> SegmentCount:
    """The segments `text` is billed as.

    A character is never split between two parts (neither an extension character's two
    septets nor an emoji's surrogate pair), so near a part boundary a message can cost one
    more part than its length divided by 153 (or 67). Empty text counts as one segment:
    a message with no words still costs one message if it is sent.
    """
    if is_gsm(text):
        costs = [2 if ch in GSM_EXTENSION else 1 for ch in text]
        return SegmentCount("GSM-7", sum(costs), _packed(costs, GSM_SINGLE, GSM_PART))
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentCount("UCS-2", sum(costs), _packed(costs, UCS2_SINGLE, UCS2_PART))


def _packed(costs: list[int], single: int, part: int) -> int:
    if sum(costs) <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return segments


_PLAIN: dict[int, str] = {
    **dict.fromkeys(map(ord, "‘’‚‛′´`‹›"), "'"),
    **dict.fromkeys(map(ord, "“”„‟″«»"), '"'),
    **dict.fromkeys(map(ord, "‐‑‒–—―−⁃"), "-"),
    **dict.fromkeys(map(ord, "•‣◦∙·"), "-"),
    ord("…"): "...",
    ord("\t"): " ",
    # Spaces of every width, including no-break ones.
    **dict.fromkeys([0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000], " "),
    **dict.fromkeys([0x2028, 0x2029], "\n"),
    # Invisible: a soft hyphen, zero-width space, word joiner, byte order mark.
    **dict.fromkeys([0x00AD, 0x200B, 0x2060, 0xFEFF], ""),
}


def to_gsm(text: str) -> str:
    """`text` with typographic characters replaced by their plain GSM-7 equivalents.

    Anything without one (Welsh ŵ, an emoji) is left as it is. In the rare text the plain
    version would cost more (an ellipsis is three characters, so seventy of them are one
    UCS-2 segment but two GSM-7 ones), the text is returned unchanged: the point of
    plainer characters is never to pay more.
    """
    plain = text.translate(_PLAIN)
    if plain == text:
        return text
    return plain if count_segments(plain).segments <= count_segments(text).segments else text


# Joiners, variation selectors and the keycap mark only ever belong to an emoji.
_EMOJI_PARTS = frozenset([0x200D, 0xFE0E, 0xFE0F, 0x20E3])
_SPACES = re.compile(r"\s+")


def _is_pictograph(ch: str) -> bool:
    code = ord(ch)
    if code in _EMOJI_PARTS or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True  # the above, skin tones, and tag characters (flags of the UK nations)
    # Symbols from arrows onwards: emoji, dingbats, shapes. Not ©, ® or °.
    return code >= 0x2000 and unicodedata.category(ch) == "So"


def sms_label(label: str) -> str:
    """An option label for SMS: without the emoji that decorate it, if it has words.

    "😀 Really good" becomes "Really good" (the emoji alone would make the whole message
    UCS-2, less than half the length per segment). A label that is only emoji is kept,
    because then the emoji is the answer.
    """
    words = _SPACES.sub(" ", "".join(ch for ch in label if not _is_pictograph(ch))).strip()
    return words if any(ch.isalnum() for ch in words) else label.strip()
