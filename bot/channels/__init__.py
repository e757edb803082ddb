"""Channels: each turns its provider's messages into the engine's and renders replies back."""

import os

# python-telegram-bot 22 warns on every RetryAfter unless told to use timedelta values,
# which TelegramSender handles; say so once, before the library is imported.
os.environ.setdefault("PTB_TIMEDELTA", "1")

# What a young person is told when their message could not be saved (a full disk, say):
# nothing of it was kept, so they are asked to send it again, on every channel alike.
TRY_AGAIN = (
    "Sorry, something went wrong our end and we did not get that. "
    "Please send it again in a few minutes."
)
