"""The same survey as a python-telegram-bot bot written the usual way, for comparison.

What a council developer following the library's examples would write: an `Application`
from the builder with its defaults (updates handled one at a time, `concurrent_updates`
off), `PicklePersistence`, and a `ConversationHandler` with one state per question whose
`CallbackQueryHandler`s answer the tap, edit the question to show the answer and send the
next question: the same Bot API calls youthvoice makes. Answers go in `context.user_data`.

    python -m benchmarks.ptb_bot --base-url http://127.0.0.1:PORT --token T --questions 10 \\
        --persistence /tmp/ptb.pickle

`benchmarks/telegram.py` runs it against the fake Telegram; it prints "ready" once started.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    PicklePersistence,
)

KINDS = ("choice", "scale", "yes_no")
FRUIT = (("a", "Apples"), ("b", "Bananas"), ("c", "Cherries"))
YES_NO = (("yes", "Yes"), ("no", "No"))
AGE_BANDS = (
    ("under_13", "Under 13"),
    ("13_15", "13 to 15"),
    ("16_17", "16 or 17"),
    ("18_25", "18 to 25"),
)
SURVEY = "bench"
NOTICE = (
    'Hi! This is "Benchmark survey".\nTo measure how fast youthvoice answers.\n'
    "Nobody; this is a benchmark.\nWe won't know who you are. Are you happy to have a go?"
)


@dataclass(frozen=True)
class Question:
    """One step of the conversation: what it is stored as, its words and its buttons."""

    key: str
    kind: str
    text: str
    options: tuple[tuple[str, str], ...]  # (callback_data, label)


def questions(count: int) -> list[Question]:
    """The benchmark survey's questions: choice, scale and yes/no in turn."""
    found = []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        options = {
            "choice": FRUIT,
            "scale": tuple((str(v), str(v)) for v in range(1, 6)),
            "yes_no": YES_NO,
        }[kind]
        text = f"Question {number}?\nTap an answer, or send SKIP to skip this one."
        found.append(Question(f"q{number}", kind, text, options))
    return found


def steps(count: int) -> list[Question]:
    """Consent, age band, the two opt-ins, then the questions: one conversation state each."""
    return [
        Question("consent", "yes_no", NOTICE, YES_NO),
        Question("age_band", "choice", "How old are you?", AGE_BANDS),
        Question(
            "hear_back",
            "yes_no",
            "Would you like us to message you later to tell you what changed because of what "
            "young people said?",
            YES_NO,
        ),
        Question(
            "hear_new",
            "yes_no",
            "Would you like to hear about new surveys in future? We'll message you no more "
            "than once a month.",
            YES_NO,
        ),
        *questions(count),
    ]


def keyboard(step: Question) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(label, callback_data=data) for data, label in step.options]
    if step.kind == "choice":
        return InlineKeyboardMarkup([[button] for button in buttons])
    return InlineKeyboardMarkup([buttons])


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, int | None]]


def answer_handler(all_steps: list[Question], index: int) -> Handler:
    step = all_steps[index]
    labels = dict(step.options)

    async def answered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer()
        if query.data not in labels:
            return None  # an old button: stay on this question
        assert context.user_data is not None
        context.user_data[step.key] = query.data
        await query.edit_message_text(f"{step.text}\n\n→ {labels[query.data]}")
        chat_id = query.message.chat.id
        if step.key == "consent" and query.data == "no":
            context.user_data.clear()
            await context.bot.send_message(chat_id, "That's fine - thanks for your time.")
            return ConversationHandler.END
        if index + 1 == len(all_steps):
            await context.bot.send_message(chat_id, "Thank you! That's everything.")
            return ConversationHandler.END
        following = all_steps[index + 1]
        await context.bot.send_message(chat_id, following.text, reply_markup=keyboard(following))
        return index + 1

    return answered


def build(base_url: str, token: str, question_count: int, persistence: str) -> Application:
    all_steps = steps(question_count)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None
        if context.args != [SURVEY]:
            await update.message.reply_text(f"Send /start {SURVEY} to begin.")
            return ConversationHandler.END
        await update.message.reply_text(all_steps[0].text, reply_markup=keyboard(all_steps[0]))
        return 0

    async def ready(application: Application) -> None:
        print("ready", flush=True)

    application = (
        Application.builder()
        .token(token)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .persistence(PicklePersistence(persistence))
        .post_init(ready)
        .build()
    )
    conversation = ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            index: [CallbackQueryHandler(answer_handler(all_steps, index))]
            for index in range(len(all_steps))
        },
        fallbacks=[CommandHandler("start", start)],
        name="survey",
        persistent=True,
    )
    application.add_handler(conversation)
    return application


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the Bot API, e.g. the fake's URL")
    parser.add_argument("--token", required=True)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--persistence", required=True, help="the pickle file")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s")
    build(args.base_url, args.token, args.questions, args.persistence).run_polling()


if __name__ == "__main__":
    main()
