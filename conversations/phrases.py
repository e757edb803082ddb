"""Everything the bot says that is not from a survey file, in two registers.

`simple` is for under-13s (short words, short sentences); `standard` for everyone else.
Kept together so a council can review the bot's whole voice in one place (a review's
words are in review_phrases.py, merged in here). Nothing here promises secrecy: the notice
says plainly what happens if someone is not safe.
"""

from __future__ import annotations

from typing import Any

from conversations.review_phrases import REVIEW_PHRASES

_PHRASES: dict[str, tuple[str, str]] = {
    # --- finding a survey ---------------------------------------------------------
    "menu": (
        "Hi! Here's what you can have your say on right now:",
        "Hi! You can tell us what you think about:",
    ),
    "menu_pick": (
        "Send the number of the one you'd like to do.",
        "Send the number of the one you want.",
    ),
    "menu_empty": (
        "Hi! There's nothing open to answer right now. Thanks for checking - try again soon.",
        "Hi! There's nothing to answer just now. Thank you for looking!",
    ),
    # --- "You Said, We Did" ------------------------------------------------------
    "feedback": (
        'You took part in "{title}". Here is what happened because of what young people '
        "said.\nYou said: {said}\nWe did: {did}\nThank you for having your say. "
        "Send STOP if you don't want messages like this.",
        'Thank you for helping with "{title}"!\nYou told us: {said}\nSo we: {did}\n'
        "Send STOP if you don't want messages like this.",
    ),
    "updates_intro": (
        "Here's what happened because of what young people said:",
        "Here is what we did because of what you told us:",
    ),
    "update_item": (
        '"{title}" - you said: {said}. We did: {did}.',
        '"{title}": {said}. So we: {did}.',
    ),
    "updates_none": (
        "No news yet on the surveys you've done. We'll tell you when there is, if you asked us to.",
        "No news yet. We will tell you when there is!",
    ),
    "updates_nothing_taken": (
        "Once you've finished a survey, send UPDATES to see what changed because of it.",
        "When you finish a survey, send UPDATES to see what we did.",
    ),
    "reminder": (
        'You started "{title}" - there\'s still time to finish. Send any message to carry on '
        "where you left off, or STOP for no more messages.",
        'You started "{title}". Send any message to finish it, or STOP for no more messages.',
    ),
    "closed_notice": (
        'Thanks for starting "{title}". It has now closed, so we can\'t take any more '
        "answers. What you told us still counts.",
        '"{title}" has now finished, so we can\'t take more answers. Thank you for helping!',
    ),
    "invite": (
        'There\'s a new survey you might like: "{title}". {purpose} {how}',
        'We have a new survey for you: "{title}". {purpose} {how}',
    ),
    "invite_how_telegram": ("Send /start {slug} to have your say.", "Send /start {slug} to start."),
    "invite_how_keyword": ("Text {keyword} to have your say.", "Text {keyword} to start."),
    "invite_how_reply": ("Reply to this message to have your say.", "Reply to start."),
    "already_taken": (
        'You\'ve already done "{title}" - thank you!',
        'You have already done "{title}". Thank you!',
    ),
    "not_open": (
        "Sorry, that survey isn't open at the moment.",
        "Sorry, that one is not open now.",
    ),
    # --- language -------------------------------------------------------------------
    "choose_language": (
        "Which language would you like to use?",
        "Which language do you want to use?",
    ),
    "language_unclear": (
        "Sorry, I didn't catch that. Please choose one of these languages.",
        "Sorry, I didn't get that. Please pick a language.",
    ),
    # --- consent ----------------------------------------------------------------------
    "notice_anonymous": (
        'Hi! This is "{title}".\n{purpose}\n{audience}\n'
        "We won't ask your name, so your answers are anonymous. "
        "You can skip any question (send SKIP), go back (BACK), stop at any time (STOP), "
        "or delete your answers before you finish (DELETE). Once you finish, we can't find "
        "your answers again, because they aren't linked to you.\n"
        "If you tell us something that means you might not be safe, we'll show you where "
        "to get help straight away.",
        'Hi! This is "{title}".\n{purpose}\n{audience}\n'
        "We won't ask your name, so no one will know which answers are yours. "
        "You can miss out any question: send SKIP. "
        "Send STOP to stop, or DELETE to rub out your answers before you finish.\n"
        "If you tell us you are not safe, we will tell you who can help.",
    ),
    "consent_question": (
        "Are you happy to take part? (yes / no)",
        "Do you want to have a go? (yes / no)",
    ),
    "consent_unclear": (
        "Please reply yes if you're happy to take part, or no if not.",
        "Please send yes or no.",
    ),
    "consent_refused": (
        "That's fine - thanks for your time. We haven't kept anything you sent. "
        "If you change your mind, just message us again.",
        "That's OK! We have not kept anything. You can come back any time.",
    ),
    "consent_needed": (
        "Before we start, we need to know you're happy to take part. Please reply yes or no.",
        "Before we start, please send yes or no.",
    ),
    # --- age ------------------------------------------------------------------------
    "age_question": ("How old are you?", "How old are you?"),
    "age_unclear": (
        "Please choose your age group, or just send your age as a number.",
        "Please pick your age group, or send your age as a number.",
    ),
    "age_check": (
        "This one is for people aged {min} to {max}. Are you {min} or older? (yes / no)",
        "This one is for people aged {min} to {max}. Are you {min} or older? (yes / no)",
    ),
    "age_check_max": (
        "This one is for people aged {min} to {max}. Are you {max} or younger? (yes / no)",
        "This one is for people aged {min} to {max}. Are you {max} or younger? (yes / no)",
    ),
    "not_eligible": (
        "Thanks for wanting to help! This one is for people aged {min} to {max}, so it isn't "
        "for you this time. We haven't kept any answers.",
        "Thank you for wanting to help! This one is for people aged {min} to {max}, so it "
        "is not for you this time.",
    ),
    "not_eligible_start": (
        "Thanks for wanting to help! That one is for people aged {min} to {max}, so it isn't "
        "for you.",
        "Thank you! That one is for people aged {min} to {max}, so it is not for you.",
    ),
    # --- opt-ins ---------------------------------------------------------------------
    "hear_back_question": (
        "Would you like us to message you later to tell you what changed because of what "
        "young people said? (yes / no - if you don't answer, we won't)",
        "Do you want us to tell you later what changed because of your answers? (yes / no)",
    ),
    "hear_new_question": (
        "Would you like to hear about new surveys in future? We'll message you no more than "
        "twice a month. (yes / no - if you don't answer, we won't)",
        "Do you want us to tell you about new surveys? (yes / no)",
    ),
    "yes_no_unclear": ("Please reply yes or no.", "Please send yes or no."),
    # --- questions -------------------------------------------------------------------
    # A hint's {or_skip} is "or_skip" below, or nothing when the question is required.
    "hint_pick": ("Tap an answer{or_skip}.", "Tap an answer{or_skip}."),
    "hint_pick_typed": (
        "Send the number of your answer{or_skip}.",
        "Send the number of your answer{or_skip}.",
    ),
    "hint_multi": (
        "Choose all that apply, then tap Done{or_skip}.",
        "Pick as many as you like, then tap Done{or_skip}.",
    ),
    "hint_multi_typed": (
        "Send the numbers of all that apply, like 1, 3{or_skip}.",
        "Send the numbers you pick, like 1, 3{or_skip}.",
    ),
    "hint_text": ("Type your answer{or_skip}.", "Type your answer{or_skip}."),
    "or_skip": (", or send SKIP to skip this one", ", or send SKIP"),
    "hint_required": ("This one needs an answer.", "We need an answer to this one."),
    "previous_answer": (
        "You said: {answer}. Send a new answer, or SKIP to keep it.",
        "You said: {answer}. Send a new answer, or SKIP to keep it.",
    ),
    # On SMS the options are spelled out in one short line, to fit one 160-character
    # message where possible; {or_skip} is "sms_or_skip" or nothing when it is required.
    "sms_options": ("Reply {options}{or_skip}", "Reply {options}{or_skip}"),
    "sms_scale": ("Reply {low} to {high}{or_skip}", "Reply {low} to {high}{or_skip}"),
    "sms_scale_plain": (
        "Reply a number from {min} to {max}{or_skip}",
        "Reply a number from {min} to {max}{or_skip}",
    ),
    "sms_yes_no": ("Reply YES or NO{or_skip}", "Reply YES or NO{or_skip}"),
    "sms_multi": (
        "Reply all that apply, like 1 3: {options}{or_skip}",
        "Reply the ones you pick, like 1 3: {options}{or_skip}",
    ),
    "sms_picked": ("Picked so far: {numbers}", "Picked so far: {numbers}"),
    "sms_hint_text": ("Reply with your answer{or_skip}.", "Send your answer{or_skip}."),
    "sms_or_skip": (", or SKIP", ", or SKIP"),
    # What an answer can be; the question follows, with how to skip it.
    "unclear_pick": (
        "Sorry, I didn't catch that. Please pick one of the answers ({numbers}).",
        "Sorry, I didn't get that. Please send one number ({numbers}).",
    ),
    "unclear_yes_no": (
        "Sorry, I didn't catch that. Please answer yes or no.",
        "Sorry, I didn't get that. Please send yes or no.",
    ),
    "unclear_multi": (
        "Sorry, I didn't catch that. Send the numbers of the answers you pick ({numbers}), "
        "like 1, 3.",
        "Sorry, I didn't get that. Send the numbers you pick, like 1, 3.",
    ),
    "unclear_scale": (
        "Sorry, I didn't catch that. Please send a number from {min} to {max}.",
        "Sorry, I didn't get that. Please send a number from {min} to {max}.",
    ),
    "only_text": (
        "Sorry, I can only read text and buttons, so we haven't kept that.",
        "Sorry, I can only read words and buttons.",
    ),
    "unclear_text": (
        "Sorry, I can only read typed words.",
        "Sorry, I can only read typed words.",
    ),
    "too_long": (
        "Thanks! That's a bit long for us to keep - please send it again in {max} characters "
        "or fewer (yours was {length}).",
        "Thank you! That is a bit long. Please send a shorter answer ({max} letters or fewer).",
    ),
    "required_no_skip": (
        "This question needs an answer, so it can't be skipped.",
        "We need an answer to this one, so it can't be skipped.",
    ),
    "no_back": (
        "This is the first question, so there's nothing to go back to.",
        "This is the first question.",
    ),
    "nothing_to_skip": (
        "There's no question to skip just now.",
        "There is nothing to skip just now.",
    ),
    "nothing_to_go_back_to": (
        "There's no question to go back to just now.",
        "There is nothing to go back to just now.",
    ),
    "welcome_back": (
        "Welcome back! Let's carry on where you left off.",
        "Welcome back! Let's carry on.",
    ),
    # --- the end ---------------------------------------------------------------------
    "thanks": ("Thank you! That's everything.", "Thank you! You've finished."),
    "thanks_hear_back_by": (
        "We'll message you by {date} to tell you what changed because of what you said.",
        "We will tell you what happened by {date}.",
    ),
    "thanks_hear_back": (
        "We'll message you to tell you what changed because of what you said.",
        "We will tell you what happened.",
    ),
    "thanks_no_hear_back_by": (
        "The council will share what changed by {date}.",
        "The council will share what happened by {date}.",
    ),
    "survey_closed": (
        'Sorry, "{title}" has closed now, so we can\'t take any more answers. '
        "Thank you for the ones you gave - they still count.",
        'Sorry, "{title}" has finished now. Thank you for your answers - they still count.',
    ),
    "survey_closed_unanswered": (
        'Sorry, "{title}" has closed now, so it can\'t take any answers.',
        'Sorry, "{title}" has finished now.',
    ),
    "switched": (
        'We\'ve kept the answers you gave to "{title}".',
        'We kept your answers to "{title}".',
    ),
    # --- keywords --------------------------------------------------------------------
    "help": (
        "You can send these words at any time:\nSKIP - skip a question\nBACK - go back one "
        "question\nSTOP - no more messages from us\nSTART - start again after STOP\n"
        "DELETE - delete what we hold about you\nMYDATA - see what we hold about you\n"
        "UPDATES - what changed because of what you said\nHELP - see this message\n"
        "If you need to talk to someone now: Childline 0800 1111 (free, any time).",
        "You can send these words:\nSKIP - miss out a question\nBACK - go back\n"
        "STOP - stop messages\nSTART - start again\nDELETE - rub out your answers\n"
        "MYDATA - see what we know about you\nUPDATES - see what we did\n"
        "If you need to talk to someone: Childline 0800 1111 (free).",
    ),
    "stopped": (
        "OK, you won't get any more messages from us. Send START if you change your mind, "
        "or DELETE to remove your answers.",
        "OK, we won't send you any more messages. Send START if you want to carry on.",
    ),
    "stopped_help": (
        "You've stopped messages from us. Send START to carry on, or DELETE to remove what we "
        "hold about you. Childline: 0800 1111 (free, any time).",
        "You have stopped messages. Send START to carry on. Childline: 0800 1111 (free).",
    ),
    "restarted": ("Welcome back!", "Welcome back!"),
    "already_in": (
        'You\'re in the middle of "{title}".',
        'You are doing "{title}".',
    ),
    "delete_confirm": (
        "This will delete everything we hold about you: your unfinished answers, your "
        "choices and your contact details. Answers to surveys you've already finished can't "
        "be found, because they aren't linked to you. Delete? (yes / no)",
        "This will rub out everything we know about you. Are you sure? (yes / no)",
    ),
    "deleted": (
        "Done. We've deleted everything we held about you. Thanks for taking part.",
        "Done. We have rubbed it all out. Thank you!",
    ),
    "delete_cancelled": ("OK, nothing has been deleted.", "OK, we have not rubbed anything out."),
    "nothing_to_delete": (
        "We don't hold anything about you, so there's nothing to delete.",
        "We don't have anything about you to rub out.",
    ),
}


_PHRASES.update(REVIEW_PHRASES)


def say(key: str, simple: bool = False, **values: Any) -> str:
    """The bot's words for `key`, in the simple register for under-13s."""
    standard, plain = _PHRASES[key]
    return (plain if simple else standard).format(**values)


def keys() -> frozenset[str]:
    return frozenset(_PHRASES)
