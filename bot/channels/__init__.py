"""Channels: each turns its provider's messages into the engine's and renders replies back."""

import os

# python-telegram-bot 22 warns on every RetryAfter unless told to use timedelta values,
# which TelegramSender handles; say so once, before the library is imported.
os.environ.setdefault("PTB_TIMEDELTA", "1")
