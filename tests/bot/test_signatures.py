"""Only requests signed with the signing secret, within five minutes, reach the listeners."""

from __future__ import annotations

import time

from tests.bot import signing
from tests.bot.conftest import RunningApp
from tests.bot.fake_slack import FakeSlack


async def test_a_correctly_signed_command_is_answered(app: RunningApp) -> None:
    status, _ = await app.command("help")
    assert status == 200


async def test_a_forged_signature_is_refused_and_nothing_is_sent(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    body = signing.slash_command(response_url=fake_slack.response_url())
    status, _ = await app.send(body, signing.FORM, secret="not-the-signing-secret")
    await fake_slack.settle(0.1)
    assert status == 401
    assert fake_slack.calls == []


async def test_a_six_minute_old_timestamp_is_refused_and_nothing_is_sent(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    body = signing.slash_command(response_url=fake_slack.response_url())
    status, _ = await app.send(body, signing.FORM, timestamp=int(time.time()) - 6 * 60)
    await fake_slack.settle(0.1)
    assert status == 401
    assert fake_slack.calls == []


async def test_a_body_changed_after_signing_is_refused(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    signed = signing.slash_command(response_url=fake_slack.response_url(), text="help")
    headers = signing.signed_headers(signed, content_type=signing.FORM)
    tampered = signed.replace("help", "list")
    async with app.http.post(
        app.base_url + "/slack/events", data=tampered.encode(), headers=headers
    ) as response:
        assert response.status == 401
    assert fake_slack.calls == []


async def test_a_request_without_signature_headers_is_refused(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    body = signing.slash_command(response_url=fake_slack.response_url())
    async with app.http.post(
        app.base_url + "/slack/events",
        data=body.encode(),
        headers={"Content-Type": signing.FORM},
    ) as response:
        assert response.status == 401
    assert fake_slack.calls == []
