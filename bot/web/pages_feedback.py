"""The dashboard's "You Said, We Did" pages, for coordinators: a survey's public log, how its
feedback messages are getting on, and writing a new post (previewed in each age band's
wording first, then queued). They do what `youthvoice feedback send/status` do, with the
same code."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot import survey_admin
from bot.feedback import FeedbackError, send_feedback, tidy, wording
from bot.proactive import age_band
from bot.runtime import utc_now
from bot.web.dashboard import HEADERS
from bot.web.page_group import PageGroup
from conversations import age_bands
from conversations.survey_loader import SurveyInvalid
from storage.records import WebSession

FIELDS = ('"You said"', '"We did"')  # how errors name the two boxes


class FeedbackPages(PageGroup):
    def routes(self) -> list[Route]:
        coordinator = self.route
        return [
            coordinator(self.feedback_page, "GET", "/feedback/{slug}"),
            coordinator(self.progress_json, "GET", "/feedback/{slug}/progress.json"),
            coordinator(self.preview, "POST", "/feedback/{slug}/preview"),
            coordinator(self.send, "POST", "/feedback/{slug}/send"),
        ]

    # --- helpers -----------------------------------------------------------------------
    def _missing(self, session: WebSession, slug: str) -> Response:
        return self.dashboard.page(
            "surveys_missing.html", 404, title="No such survey", session=session, slug=slug
        )

    async def _texts(self, request: Request) -> tuple[str, str]:
        form = await request.form()
        return str(form.get("said", "")), str(form.get("did", ""))

    async def _editing(self, request: Request) -> bool:
        return "edit" in await request.form()  # the preview's Edit button

    async def _title(self, slug: str) -> str:
        survey = await survey_admin.load_stored_survey(self.storage, slug)
        return survey.local(survey.title, survey.default_language)

    async def _progress(self, slug: str) -> dict[str, int]:
        counts = await self.storage.feedback_status(slug)
        # A message being handed to the provider right now still counts as queued.
        queued = counts.get("queued", 0) + counts.get("sending", 0)
        sent, delivered, failed = (counts.get(s, 0) for s in ("sent", "delivered", "failed"))
        return {
            "queued": queued,
            "sent": sent,
            "delivered": delivered,
            "done": sent + delivered,
            "failed": failed,
            "cancelled": counts.get("cancelled", 0),
            "total": queued + sent + delivered + failed,
        }

    # --- pages -------------------------------------------------------------------------
    async def feedback_page(
        self,
        request: Request,
        session: WebSession,
        error: str | None = None,
        said: str = "",
        did: str = "",
    ) -> Response:
        slug = request.path_params["slug"]
        if await self.storage.get_survey(slug) is None:
            return self._missing(session, slug)
        progress = await self._progress(slug)
        return self.dashboard.page(
            "feedback.html",
            200 if error is None else 400,
            title=f"You Said, We Did: {slug}",
            session=session,
            slug=slug,
            posts=list(reversed(await self.storage.feedback_log(slug))),
            **progress,
            error=error,
            said=said,
            did=did,
        )

    async def progress_json(self, request: Request, session: WebSession) -> Response:
        """The delivery figures, for the page to refresh itself (static/live.js)."""
        slug = request.path_params["slug"]
        if await self.storage.get_survey(slug) is None:
            return JSONResponse({"error": "no such survey"}, status_code=404, headers=HEADERS)
        return JSONResponse(await self._progress(slug), headers=HEADERS)

    async def preview(self, request: Request, session: WebSession) -> Response:
        slug = request.path_params["slug"]
        raw_said, raw_did = await self._texts(request)
        if await self._editing(request):
            return await self.feedback_page(request, session, None, raw_said, raw_did)
        try:
            said, did = tidy(raw_said, raw_did, FIELDS)
            title = await self._title(slug)
        except survey_admin.SurveyNotFound:
            return self._missing(session, slug)
        except (FeedbackError, SurveyInvalid) as exc:
            return await self.feedback_page(request, session, str(exc), raw_said, raw_did)
        recipients = await self.storage.feedback_recipients(slug)
        keys = self.dashboard.keys
        per_band = Counter(age_band(keys, r.profile) for r in recipients)
        bands = [
            (age_bands.LABELS[band], per_band.get(band, 0), wording(band, title, said, did))
            for band in age_bands.BANDS
        ]
        return self.dashboard.page(
            "feedback_preview.html",
            title=f"Check before sending: {slug}",
            session=session,
            slug=slug,
            said=said,
            did=did,
            bands=bands,
            unknown=per_band.get(None, 0),
            recipients=len(recipients),
        )

    async def send(self, request: Request, session: WebSession) -> Response:
        from bot.web.dashboard import HEADERS

        slug = request.path_params["slug"]
        raw_said, raw_did = await self._texts(request)
        try:
            said, did = tidy(raw_said, raw_did, FIELDS)  # kind names for the two boxes
            await send_feedback(self.storage, self.dashboard.keys, slug, said, did)
        except survey_admin.SurveyNotFound:
            return self._missing(session, slug)
        except (FeedbackError, SurveyInvalid) as exc:
            return await self.feedback_page(request, session, str(exc), raw_said, raw_did)
        await self.storage.audit(session.account.email, "feedback sent", slug, utc_now())
        return RedirectResponse(f"/feedback/{slug}", status_code=303, headers=HEADERS)
