"""Words that work at any point of a conversation, whatever is being asked."""

from __future__ import annotations

import re

STOP = "stop"
START = "start"
HELP = "help"
SKIP = "skip"
BACK = "back"
DELETE = "delete"
UPDATES = "updates"
MYDATA = "mydata"  # also "my data"

COMMANDS = frozenset({STOP, START, HELP, SKIP, BACK, DELETE, UPDATES, MYDATA})
# Carrier opt-out words: on SMS these must stop everything and never count as an answer.
SMS_STOP_WORDS = frozenset({"stopall", "unsubscribe", "cancel", "end", "quit"})
SMS_START_WORDS = frozenset({"unstop"})
SMS_HELP_WORDS = frozenset({"info"})
# Carriers also take YES as opting back in, but only from someone who has stopped: to
# everyone else it is an answer.
SMS_START_WHEN_STOPPED = frozenset({"yes"})

_EDGE_PUNCTUATION = re.compile(r"^[\s/]+|[\s.!?,;:)]+$")
_BOT_SUFFIX = re.compile(r"@\w+$")


def keyword_of(text: str | None, channel: str) -> str | None:
    """The command a message is, if it is exactly one ("Stop!", "/skip", "HELP"), else None.

    A keyword must be the whole message: "stop" is a command, "stop making cuts" is an
    answer.
    """
    if not text:
        return None
    word = _EDGE_PUNCTUATION.sub("", text.casefold())
    word = _BOT_SUFFIX.sub("", word)  # Telegram sends /skip@SomeBot in groups
    if word in COMMANDS:
        return word
    if word == "my data":
        return MYDATA
    if channel == "sms":
        if word in SMS_STOP_WORDS:
            return STOP
        if word in SMS_START_WORDS:
            return START
        if word in SMS_HELP_WORDS:
            return HELP
    return None


def restarts_when_stopped(text: str | None, channel: str) -> bool:
    """Whether a message from someone who sent STOP opts them back in (START, and on SMS
    also YES)."""
    if keyword_of(text, channel) == START:
        return True
    if channel != "sms" or not text:
        return False
    return _EDGE_PUNCTUATION.sub("", text.casefold()) in SMS_START_WHEN_STOPPED
