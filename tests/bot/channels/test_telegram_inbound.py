from __future__ import annotations

from telegram import Bot, Update

from bot.channels.telegram_inbound import to_inbound

BOT = Bot("123:ABC")
CHAT = {"id": 5512345678, "type": "private", "first_name": "Sam", "username": "sam_k"}
USER = {"id": 5512345678, "is_bot": False, "first_name": "Sam", "username": "sam_k",
        "language_code": "en"}  # fmt: skip


def update(**fields: object) -> Update:
    result = Update.de_json({"update_id": 10, **fields}, BOT)
    assert result is not None
    return result


def message(**fields: object) -> dict[str, object]:
    return {"message_id": 1, "date": 0, "chat": CHAT, "from": USER, **fields}


def test_text_keeps_only_the_words_and_the_chat() -> None:
    found = to_inbound(update(message=message(text="Every week")))
    assert found is not None
    assert found.address == "5512345678"
    assert found.inbound.text == "Every week"
    assert found.update_id == 10
    assert "Sam" not in repr(found) and "sam_k" not in repr(found)


def test_start_with_a_deep_link_opens_that_survey() -> None:
    found = to_inbound(update(message=message(text="/start better-services")))
    assert found is not None
    assert found.inbound.text == "/start"
    assert found.inbound.start == "better-services"


def test_a_bare_start_is_the_start_keyword() -> None:
    found = to_inbound(update(message=message(text="/start")))
    assert found is not None and found.inbound.start is None and found.inbound.text == "/start"


def test_a_strange_deep_link_is_ignored() -> None:
    found = to_inbound(update(message=message(text="/start ../../etc")))
    assert found is not None and found.inbound.start is None


def test_a_photo_or_location_keeps_nothing_but_the_chat() -> None:
    photo = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    for fields in ({"photo": photo}, {"location": {"latitude": 51.5, "longitude": -0.1}}):
        found = to_inbound(update(message=message(**fields)))
        assert found is not None
        assert found.inbound.text is None and found.inbound.button is None
        assert "51.5" not in repr(found)


def test_a_tap_carries_its_data_and_the_message_to_tidy() -> None:
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    bot_message = message(text="OK?", reply_markup=markup, **{"from": {**USER, "is_bot": True}})
    found = to_inbound(
        update(
            callback_query={
                "id": "q1",
                "from": USER,
                "chat_instance": "c",
                "data": "yes",
                "message": bot_message,
            }
        )
    )
    assert found is not None
    assert found.inbound.button == "yes"
    assert found.tapped is not None
    assert (found.tapped.message_id, found.tapped.text) == (1, "OK?")
    assert found.tapped.markup == markup


def test_group_chats_are_not_for_us() -> None:
    group = {"id": -100, "type": "group", "title": "Class 9B"}
    assert to_inbound(update(message=message(text="hi", chat=group))) is None
