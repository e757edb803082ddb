"""`serve` without any messaging channel: the HTTP server and its health check."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.runtime import open_runtime
from bot.serve import Service
from bot.settings import Settings, load_settings
from tests.integration.helpers import DB_NAME
from tests.integration.telegram_world import free_port


def settings_for(tmp_path: Path) -> Settings:
    return load_settings(
        YOUTHVOICE_DATABASE=str(tmp_path / DB_NAME), YOUTHVOICE_PORT=str(free_port())
    )


async def test_healthz_says_ok_while_the_database_answers(
    tmp_path: Path, settings: Settings
) -> None:
    async with open_runtime(settings_for(tmp_path)) as runtime:
        service = Service(runtime)
        await service.start()
        try:
            assert service.telegram is None
            async with httpx.AsyncClient() as client:
                base = f"http://127.0.0.1:{service.port}"
                health = await client.get(f"{base}/healthz")
                webhook = await client.post(f"{base}/telegram/webhook", json={"update_id": 1})
            assert health.status_code == 200
            assert health.json() == {"status": "ok"}
            assert webhook.status_code == 404  # no Telegram configured: no webhook
        finally:
            await service.stop()
