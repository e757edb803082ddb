"""The one HTTP application `serve` runs: health, provider webhooks, and the dashboard."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.telegram_channel import WEBHOOK_PATH, TelegramChannel
from storage.protocol import Storage, StorageError

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000


def build_app(storage: Storage, telegram: TelegramChannel | None = None) -> Starlette:
    async def healthz(request: Request) -> Response:
        try:
            ok = await storage.ping()
        except Exception:
            ok = False
        if not ok:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    routes = [Route("/healthz", healthz, methods=["GET"])]

    if telegram is not None and telegram.uses_webhook:
        expected = (telegram.webhook_secret or "").encode()

        async def telegram_webhook(request: Request) -> Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not expected or not hmac.compare_digest(given, expected):
                return PlainTextResponse("forbidden", status_code=403)
            body = await request.body()
            if len(body) > MAX_BODY:
                return PlainTextResponse("too large", status_code=413)
            try:
                data = json.loads(body)
                await telegram.process_json(data)
            except (ValueError, UnicodeDecodeError):
                return PlainTextResponse("bad request", status_code=400)
            except StorageError:
                log.exception("could not save a Telegram update; Telegram will send it again")
                return PlainTextResponse("try again", status_code=503)
            return PlainTextResponse("ok")

        routes.append(Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]))

    return Starlette(routes=routes)
