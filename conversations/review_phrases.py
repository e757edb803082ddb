"""What the bot says in a review: a child's named views, sent to their worker only if they
choose. Part of the bot's voice (phrases.py merges these in), kept apart because there
is a lot of it and a worker or council reviewing the review wording wants it in one place.

Every phrase is (standard, simple): simple for under-13s, and for replies about a code
before we know someone's age. Nothing here promises secrecy: a review is named, and if a
child is not safe their worker is told so that they can help.
"""

from __future__ import annotations

REVIEW_PHRASES: dict[str, tuple[str, str]] = {
    # --- the notice before consent ----------------------------------------------------
    # {who}: the worker; {when}: "review_when_dated" or "review_when".
    "notice_review": (
        'Hi! This is "{title}".\n{purpose}\n'
        "This is not anonymous: the answers you choose to send will be read by {who}, "
        "{when}. Nothing is sent until you say so. At the end you can check your answers, "
        "leave any out, or send nothing.\n"
        "You can skip any question (send SKIP), go back (BACK), stop (STOP), or delete "
        "your answers (DELETE).\n"
        "If you tell us something that means you might not be safe, we'll show you where "
        "to get help, and we may need to tell someone who can keep you safe.",
        'Hi! This is "{title}".\n{purpose}\n'
        "This is not secret: your answers have your name on them. The ones you choose to "
        "send will be read by {who}, {when}. We won't send anything until you say so. At "
        "the end you can check your answers, take some out, or send nothing.\n"
        "You can miss out any question: send SKIP. Send STOP to stop, or DELETE to rub "
        "out your answers.\n"
        "If you tell us you are not safe, we will tell you who can help, and we might need "
        "to tell a grown-up who can keep you safe.",
    ),
    "review_when_dated": ("before your review on {date}", "before your review on {date}"),
    "review_when": ("before your review", "before your review"),
    "review_worker": ("your worker", "your worker"),
    "hear_back_review": (
        "Would you like a message after your review, telling you what happened because of "
        "what you said? (yes / no)",
        "Do you want a message after your review to tell you what happened? (yes / no)",
    ),
    # --- the summary after the last question -------------------------------------------
    "review_summary_intro": ("Here's everything you said:", "Here is everything you said:"),
    "review_skipped": ("(skipped)", "(skipped)"),
    "review_left_out": ("(left out)", "(left out)"),
    "review_summary_ask": (
        "Nothing has been sent yet. What would you like to do?",
        "Nothing has been sent yet. What do you want to do?",
    ),
    "review_choice_send": ("Send it to {who}", "Send it to {who}"),
    "review_choice_leave_out": ("Leave an answer out", "Leave an answer out"),
    "review_choice_change": ("Change an answer", "Change an answer"),
    "review_choice_nothing": ("Send nothing", "Send nothing"),
    "review_summary_unclear": (
        "Sorry, I didn't catch that. Please choose what to do with your answers.",
        "Sorry, I didn't get that. Please pick what to do with your answers.",
    ),
    "review_pick_leave_out": (
        "Which answer should we leave out? Send its number.",
        "Which answer do you want to leave out? Send its number.",
    ),
    "review_pick_put_back": (
        "To put a left-out answer back, send its number.",
        "To put one back, send its number.",
    ),
    "review_pick_change": (
        "Which answer do you want to change? Send its number.",
        "Which answer do you want to change? Send its number.",
    ),
    "review_pick_unclear": (
        "Please send a number from 1 to {count}, or BACK to go back to your answers.",
        "Please send a number from 1 to {count}, or BACK.",
    ),
    "review_nothing_to_leave_out": (
        "You skipped number {number}, so there's nothing to leave out there.",
        "You skipped number {number}, so there is nothing to leave out.",
    ),
    # --- sending, or not ---------------------------------------------------------------
    "review_sent": (
        "Done - we've sent your answers to {who}. They'll read them {when}.",
        "Done! We have sent your answers to {who}. They will read them {when}.",
    ),
    "review_sent_hear_back": (
        "You'll get a message after your review to tell you what happened.",
        "You will get a message after your review.",
    ),
    "review_nothing_kept": ("There are no answers to send.", "There are no answers to send."),
    "review_not_sent": (
        "Nothing has been sent. We'll only tell {who} that you chose not to share your "
        "answers. You can still talk to them any time.",
        "We haven't sent anything. We will only tell {who} that you chose not to send "
        "your answers. You can still talk to them any time.",
    ),
    # --- coming and going ----------------------------------------------------------------
    "review_welcome_back": (
        "Welcome back! Let's carry on where you left off. Nothing has been sent yet.",
        "Welcome back! Let's carry on. Nothing has been sent yet.",
    ),
    "review_finish_first": (
        "You haven't finished your answers for {who} yet. Please finish them first - you "
        "can skip questions, and at the end you choose what to send, if anything.",
        "Let's finish your answers for {who} first. You can skip questions, and at the "
        "end you choose what to send.",
    ),
    "review_switched": (
        'We haven\'t sent your answers to "{title}".',
        'We have not sent your answers to "{title}".',
    ),
    "review_closed": (
        'Sorry, "{title}" isn\'t available any more, so nothing was sent. Please talk to {who}.',
        'Sorry, "{title}" has stopped, so nothing was sent. Please talk to {who}.',
    ),
    "review_risk_told": (
        "We'll let {who} know about this, so they can help keep you safe.",
        "We will tell {who}, so they can help keep you safe.",
    ),
    # --- what the bot found for a code -------------------------------------------------
    "review_unavailable": (
        "Sorry, this isn't available right now. Please tell your worker.",
        "Sorry, this isn't working right now. Please tell your worker.",
    ),
    "review_code_unknown": (
        "That code doesn't match any we have. Check it with the person who gave it to you "
        "- letters and numbers, like ABCD-2345.",
        "That code doesn't work. Check it with the person who gave it to you. It looks "
        "like ABCD-2345.",
    ),
    "review_code_expired": (
        "That code has run out because the review date has passed. Ask your worker for a new one.",
        "That code is too old now, because the review date has passed. Ask your worker for "
        "a new one.",
    ),
    "review_code_taken": (
        "That code has already been used on another phone. If that was you, ask your "
        "worker for a new code.",
        "That code has already been used on another phone. If that was you, ask your "
        "worker for a new code.",
    ),
    "review_code_slow_down": (
        "Too many codes that didn't work. Please wait 15 minutes, then try again, or ask "
        "your worker.",
        "Too many codes didn't work. Please wait 15 minutes and try again, or ask your worker.",
    ),
    "review_code_done": (
        "You've already told {who} what you wanted to share for this review. They'll get "
        "back to you after it.",
        "You have already told {who} what you wanted to share. They will get back to you "
        "after your review.",
    ),
    # --- a reminder before the review (sent by the scheduler, not a reply) -------------
    "review_reminder": (
        "A reminder: your review is on {date}. If you'd like {who} to hear your views, "
        "send them before then - carry on where you left off, or choose to send nothing. "
        "Send STOP for no more messages.",
        "Your review is on {date}. If you want {who} to hear what you think, send your "
        "answers before then. Send STOP for no more messages.",
    ),
}
