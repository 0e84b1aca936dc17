"""Fixtures for driving the real app over HTTP against the fake Slack Web API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import create_app
from bot.deps import Deps
from bot.infrastructure.settings import Settings, load_settings
from bot.infrastructure.slack_client import make_client
from bot.infrastructure.web import EVENTS_PATH, create_web_app
from bot.modal.view import proposal_modal
from bot.persistence.stores import Stores
from core.proposal import Proposal
from tests.bot import signing
from tests.bot.fake_slack import BOT_TOKEN, FakeSlack
from tests.bot.mlflow_server import mlflow_server  # noqa: F401  (a session fixture)
from tests.clock import FixedClock

NOW = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)

# A proposal that passes every gate under the default policy, as a PM would type it.
APPROVABLE: dict[str, str | list[str]] = {
    "title": "Fraud classifier fine-tune",
    "kpi_name": "false-positive reduction",
    "projected_lift_pct": "7.2",
    "dataset_examples": "150000",
    "label_accuracy_pct": "95",
    "diversity_pct": "80",
    "duplicate_pct": "5",
    "engineers": "2",
    "engineering_days": "10",
    "compute_cost_usd": "4000",
    "projected_revenue_usd": "200000",
    "delivery_days": "20",
    "latency_ms": "115",
    "lock_1_name": "reduction in false positives",
    "lock_1_comparator": ">=",
    "lock_1_threshold": "0.4",
    "lock_1_achieved": "5.3",
    "lock_1_unit": "%",
    "lock_2_name": "latency",
    "lock_2_comparator": "<=",
    "lock_2_threshold": "120",
    "lock_2_achieved": "115",
    "lock_2_unit": "ms",
}


def environment(fake_slack: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an HTTP-mode bot talking to the fake Slack."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        **extra,
    }


def view_state(modal: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The `view.state.values` Slack sends for a modal filled in with `answers` by block id."""
    values: dict[str, Any] = {}
    for block in modal["blocks"]:
        if block["type"] == "input":
            element = block["element"]
            values[block["block_id"]] = {
                element["action_id"]: _element_state(element, answers.get(block["block_id"]))
            }
    return values


def _element_state(element: Mapping[str, Any], answer: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind in {"plain_text_input", "number_input"}:
        return {"type": kind, "value": answer}
    if kind == "file_input":  # Slack sends the uploaded files' objects (id, name, …)
        files = [item if isinstance(item, dict) else {"id": item} for item in answer or []]
        return {"type": kind, "files": files}
    options = {option["value"]: option for option in element.get("options", [])}
    if kind == "checkboxes":
        chosen = answer if isinstance(answer, list) else ([answer] if answer else [])
        return {"type": kind, "selected_options": [options[value] for value in chosen]}
    selected = options[answer] if isinstance(answer, str) else None
    return {"type": kind, "selected_option": selected}


@dataclass
class RunningApp:
    """The app served on 127.0.0.1, with helpers that send signed requests like Slack."""

    base_url: str
    http: aiohttp.ClientSession
    fake_slack: FakeSlack
    deps: Deps

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = signing.SIGNING_SECRET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST a body to /slack/events, signed; return the status and response text."""
        headers = signing.signed_headers(
            body, content_type=content_type, timestamp=timestamp, secret=secret
        )
        headers.update(extra_headers or {})
        async with self.http.post(
            self.base_url + EVENTS_PATH, data=body.encode(), headers=headers
        ) as response:
            return response.status, await response.text()

    async def command(self, text: str = "", **fields: str) -> tuple[int, str]:
        """Invoke `/finetune-check` with `text`."""
        body = signing.slash_command(
            response_url=self.fake_slack.response_url(), text=text, **fields
        )
        return await self.send(body, signing.FORM)

    async def submit(
        self,
        answers: Mapping[str, str | list[str]],
        *,
        view_id: str = "V0SUBMIT1",
        channel_id: str = signing.CHANNEL_ID,
        user_id: str = signing.USER_ID,
        extra_headers: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        """Submit the proposal modal filled in with `answers`."""
        modal = proposal_modal(channel_id=channel_id, policy=self.deps.policy)
        body = signing.view_submission(
            values=view_state(modal, answers),
            private_metadata=modal["private_metadata"],
            view_id=view_id,
            user_id=user_id,
        )
        return await self.send(body, signing.FORM, extra_headers=extra_headers)

    async def click(self, body: str) -> tuple[int, str]:
        """Send a block_actions payload built with `signing.block_actions`."""
        return await self.send(body, signing.FORM)

    async def event(
        self, body: str, extra_headers: Mapping[str, str] | None = None
    ) -> tuple[int, str]:
        """Deliver an Events API payload built with `signing.event_callback`."""
        return await self.send(body, signing.JSON, extra_headers=extra_headers)

    async def get(self, path: str) -> tuple[int, Any]:
        """GET a path and return the status and JSON body."""
        async with self.http.get(self.base_url + path) as response:
            return response.status, await response.json()


def make_deps(
    settings: Settings, stores: Stores, clock: FixedClock, *, pictures: bool = False
) -> Deps:
    """Deps for tests: the real client pointed at the fake Slack, a fixed clock.

    Pictures are off unless asked for: each verdict's take about 0.4 s of CPU to render, and
    only the tests about pictures (tests/bot/test_thread_pictures.py and the evidence tests)
    look at them."""
    return Deps(
        settings=settings,
        stores=stores,
        client=make_client(settings),
        clock=clock,
        policy=settings.load_policy(),
        pictures=pictures,
    )


@asynccontextmanager
async def serve(
    deps: Deps, fake_slack: FakeSlack, customise: Callable[[Any], None] | None = None
) -> AsyncIterator[RunningApp]:
    """Serve a fresh app instance over HTTP on an ephemeral port of 127.0.0.1."""
    bolt_app = create_app(deps)
    if customise is not None:
        customise(bolt_app)
    runner = web.AppRunner(create_web_app(bolt_app, deps.stores.ping), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as http:
            yield RunningApp(f"http://127.0.0.1:{port}", http, fake_slack, deps)
    finally:
        await runner.cleanup()
        unfinished = await deps.background.drain(timeout=10)
        await deps.coalescer.drain()
        assert unfinished == 0, f"{unfinished} piece(s) of background work never finished"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API, running for one test."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def clock() -> FixedClock:
    """The app's clock, fixed at 10 February 2026, 09:30 UTC."""
    return FixedClock(NOW)


@pytest.fixture
def settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    """HTTP-mode settings pointed at the fake Slack and the test database."""
    return load_settings(environment(fake_slack, database_url))


@pytest.fixture
def deps(settings: Settings, stores: Stores, clock: FixedClock) -> Deps:
    """The app's collaborators for one test."""
    return make_deps(settings, stores, clock)


@pytest.fixture
async def app(deps: Deps, fake_slack: FakeSlack) -> AsyncIterator[RunningApp]:
    """The real app, served over HTTP, talking to the fake Slack."""
    async with serve(deps, fake_slack) as running:
        yield running


def sent_view(call_params: Mapping[str, Any]) -> dict[str, Any]:
    """The view a views.open/views.update call carried, as a dict."""
    view = call_params["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def modal_answers(proposal: Proposal) -> dict[str, str | list[str]]:
    """What a PM types into the modal to submit ``proposal`` (at most two metric locks)."""
    answers: dict[str, str | list[str]] = {}
    for name in Proposal.model_fields:
        value = getattr(proposal, name)
        if name == "metric_locks" or value is None:
            continue
        if isinstance(value, bool):
            answers[name] = "true" if value else "false"
        elif isinstance(value, list):
            answers[name] = ", ".join(repr(item) for item in value)
        else:
            answers[name] = str(value)
    for number, lock in enumerate(proposal.metric_locks, start=1):
        for part in ("name", "comparator", "threshold", "achieved", "unit"):
            answers[f"lock_{number}_{part}"] = str(getattr(lock, part))
    return answers
