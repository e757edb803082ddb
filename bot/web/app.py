"""The one HTTP application `serve` runs: health, provider webhooks, and the dashboard."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.sms_channel import INBOUND_PATH, STATUS_PATH, BadRequest, SmsChannel
from bot.channels.telegram_channel import WEBHOOK_PATH, TelegramChannel
from bot.keys import KeyRing
from bot.web.dashboard import Dashboard
from storage.protocol import Storage, StorageError

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TWILIO_SIGNATURE = "X-Twilio-Signature"
MAX_BODY = 1_000_000


def build_app(
    storage: Storage,
    telegram: TelegramChannel | None = None,
    sms: SmsChannel | None = None,
    *,
    keys: KeyRing,
    secure_cookies: bool = False,
    invites_per_30_days: int = 2,
    public_url: str | None = None,
) -> Starlette:
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
            except (ValueError, UnicodeDecodeError, RecursionError):
                # RecursionError: JSON nested too deep for json.loads ("[[[[...").
                return PlainTextResponse("bad request", status_code=400)
            except StorageError as exc:
                # One line for the operator (a full disk, say), not a traceback per update.
                # (Only when they could not be told either: see TelegramChannel._not_saved.)
                log.error("could not save a Telegram update (%s); Telegram will resend it", exc)
                return PlainTextResponse("try again", status_code=503)
            return PlainTextResponse("ok")

        routes.append(Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]))

    if sms is not None:
        routes += [
            Route(INBOUND_PATH, _twilio_route(sms, INBOUND_PATH), methods=["POST"]),
            Route(STATUS_PATH, _twilio_route(sms, STATUS_PATH), methods=["POST"]),
        ]

    dashboard = Dashboard(
        storage,
        keys,
        secure_cookies=secure_cookies,
        invites_per_30_days=invites_per_30_days,
        public_url=public_url,
    )
    routes += dashboard.routes()
    return Starlette(routes=routes)


def _twilio_route(sms: SmsChannel, path: str) -> Callable[[Request], Awaitable[Response]]:
    """A Twilio webhook: refused (403, nothing stored) unless Twilio signed it for our URL."""

    async def route(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        try:  # Twilio always posts a form, application/x-www-form-urlencoded
            params = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            return PlainTextResponse("bad request", status_code=400)
        signature = request.headers.get(TWILIO_SIGNATURE, "")
        if not sms.signed(path, request.url.query, params, signature):
            return PlainTextResponse("forbidden", status_code=403)
        try:
            if path == STATUS_PATH:
                await sms.status(params)
                return Response(status_code=204)
            answer = await sms.inbound(params)
        except BadRequest as exc:
            return PlainTextResponse(str(exc), status_code=400)
        except StorageError as exc:
            log.error("could not record a Twilio delivery report (%s)", exc)
            return PlainTextResponse("try again", status_code=503)
        written = BackgroundTask(sms.answered, answer)  # runs once the response is sent
        return Response(answer.twiml, media_type="application/xml", background=written)

    return route
