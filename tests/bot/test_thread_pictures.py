"""Pictures in the verdict's thread, and how sure the verdict is: PNGs uploaded with Slack's
three upload steps after the verdict, in the thread's order, with alt text that states the
finding; P(approve) and the swing factor in the message when the proposal has ranges."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from PIL import Image

from bot.deps import Deps
from bot.infrastructure.coalescer import UpdateCoalescer
from bot.infrastructure.settings import Settings, load_settings
from bot.models import Choice
from bot.persistence.stores import Stores
from tests.bot.conftest import APPROVABLE, RunningApp, environment, make_deps, modal_answers, serve
from tests.bot.evidence_files import sample_jsonl, templated_jsonl, trainer_state_json
from tests.bot.fake_slack import Call, FakeSlack, Upload
from tests.bot.test_revise import submit_revision
from tests.bot.test_voting_e2e import (
    MEMBERS,
    post_proposal,
    proposal_id_of,
    seat_committee,
    thread_lines,
    vote,
)
from tests.clock import FixedClock
from tests.worked_cases import worked_case

WITH_CURVE = {**APPROVABLE, "validation_losses": "0.9, 0.7, 0.6, 0.65"}
# The Q2 debrief with the ranges of docs/contracts.md's uncertainty example.
Q2_RANGES = "lift 3–9, revenue 100000–160000, delivery 30–50"


@pytest.fixture
def deps(settings: Settings, stores: Stores, clock: FixedClock) -> Deps:
    """Pictures on; thread posts coalesced over 50 ms so a test's lines follow quickly."""
    return replace(
        make_deps(settings, stores, clock, pictures=True), coalescer=UpdateCoalescer(0.05)
    )


async def pictures_in(fake: FakeSlack, thread_ts: str, count: int) -> list[Upload]:
    """The uploads completed in the thread, once at least `count` have been."""
    await fake.wait_for("files.completeUploadExternal", count, timeout=20)
    return [upload for upload in fake.uploads if upload.thread_ts == thread_ts]


def png_size(upload: Upload) -> tuple[int, int]:
    assert upload.data is not None
    image = Image.open(io.BytesIO(upload.data))
    assert image.format == "PNG"
    return image.size


def summary(post: Call) -> str:
    return str(post.params["blocks"][1]["text"]["text"])


async def test_the_verdict_s_thread_gets_the_gates_and_the_timing_as_pngs(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    post = await post_proposal(app)
    ts = str(post.answer["ts"])

    uploads = await pictures_in(fake_slack, ts, 2)
    await app.deps.coalescer.drain()

    assert [upload.filename for upload in uploads] == ["gates.png", "timing.png"]
    assert all(upload.channel == post.params["channel"] for upload in uploads)
    assert all(upload.completed and upload.length == len(upload.data or b"") for upload in uploads)
    width, height = png_size(uploads[0])
    assert width > 600 and height > 300
    assert uploads[0].title == "Gates: none of the 8 assessed fail"
    assert uploads[0].alt_txt is not None and uploads[0].alt_txt.startswith("No gate fails.")


async def test_validation_losses_add_the_loss_curve_first(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    post = await post_proposal(app, WITH_CURVE)

    uploads = await pictures_in(fake_slack, str(post.answer["ts"]), 3)

    assert [upload.filename for upload in uploads] == ["loss-curve.png", "gates.png", "timing.png"]
    assert uploads[0].alt_txt == (
        "Validation loss bottoms out at epoch 3 (0.6) and rises 8.3 % by epoch 4: stop at epoch 3."
    )
    png_size(uploads[0])


async def test_the_timing_picture_reads_today_from_the_clock_and_the_fiscal_year_setting(
    fake_slack: FakeSlack, database_url: str, stores: Stores, clock: FixedClock
) -> None:
    settings = load_settings(environment(fake_slack, database_url, FISCAL_YEAR_START_MONTH="2"))
    deps = replace(make_deps(settings, stores, clock, pictures=True))
    async with serve(deps, fake_slack) as app:
        post = await post_proposal(app)
        uploads = await pictures_in(fake_slack, str(post.answer["ts"]), 2)

    # Today is 2026-02-10 (the fixed clock); a fiscal year from February has Feb–Apr as Q1.
    assert "The quarter closes 2026-04-30 (in 79 days)" in (uploads[1].alt_txt or "")


async def test_ranges_put_p_approve_and_the_swing_factor_in_the_verdict_and_a_tornado_in_the_thread(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    q2 = worked_case("q2-budget-timing").proposal
    post = await post_proposal(app, {**modal_answers(q2), "ranges": Q2_RANGES})

    uploads = await pictures_in(fake_slack, str(post.answer["ts"]), 3)

    # docs/contracts.md: P(approve) 0.023; the lift swings it from 0 to 0.512.
    assert summary(post).endswith(
        "*How sure:* Approves in 2 % of scenarios; projected lift is the swing factor "
        "(0 % at 3.0 %, 51 % at 9.0 %)."
    )
    assert [upload.filename for upload in uploads][-1] == "tornado.png"
    assert (uploads[-1].alt_txt or "").startswith(
        "The proposal is approved in 2 % of scenarios. Projected lift moves it most: 0 % at 3.0 %, "
        "51 % at 9.0 %"
    )


async def test_ranges_that_cannot_change_the_verdict_say_so(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    post = await post_proposal(app, {**APPROVABLE, "ranges": "latency 100–130"})

    assert summary(post).endswith(
        "*How sure:* Approves in 100 % of scenarios; no single range moves it."
    )


async def test_without_ranges_the_verdict_has_no_how_sure_line_and_no_tornado(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    post = await post_proposal(app)
    uploads = await pictures_in(fake_slack, str(post.answer["ts"]), 2)
    await app.deps.coalescer.drain()

    assert "How sure" not in json.dumps(post.params["blocks"])
    assert "tornado.png" not in [upload.filename for upload in uploads]


async def test_a_vote_line_queued_after_the_verdict_follows_its_pictures(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    await seat_committee(stores)
    post = await post_proposal(app)
    ts = str(post.answer["ts"])

    await vote(app, proposal_id_of(post), MEMBERS[0], Choice.APPROVE)
    await fake_slack.wait_for("files.completeUploadExternal", 2, timeout=20)
    await app.deps.coalescer.drain()

    order = thread_order(fake_slack, ts)
    assert order == ["gates.png", "timing.png", "line"]


def thread_order(fake: FakeSlack, ts: str) -> list[str]:
    """What reached the thread, in order: each upload's file name, "line" for a text post."""
    names = {upload.file_id: upload.filename for upload in fake.uploads}
    order = []
    for call in fake.calls:
        if call.method == "chat.postMessage" and call.params.get("thread_ts") == ts:
            order.append("line")
        elif call.method == "files.completeUploadExternal" and call.params["thread_ts"] == ts:
            order += [names[item["id"]] for item in json.loads(call.params["files"])]
    return order


async def test_a_revision_posts_its_line_then_fresh_pictures_of_the_new_numbers(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    post = await post_proposal(app)
    ts, proposal_id = str(post.answer["ts"]), proposal_id_of(post)
    await fake_slack.wait_for("files.completeUploadExternal", 2, timeout=20)

    status, _ = await submit_revision(app, proposal_id, {**APPROVABLE, "projected_lift_pct": "1.5"})
    await fake_slack.wait_for("files.completeUploadExternal", 4, timeout=20)
    await app.deps.coalescer.drain()

    assert status == 200
    assert thread_order(fake_slack, ts) == [
        "gates.png",
        "timing.png",
        "line",
        "gates.png",
        "timing.png",
    ]
    revised = [upload for upload in fake_slack.uploads if upload.thread_ts == ts][2]
    assert revised.title == "Gates: 2 of 8 assessed fail — KPI lift, signal-weighted ROI"
    assert "revised proposal" in thread_lines(fake_slack, ts)[0]


async def test_a_failed_upload_is_logged_and_the_other_pictures_still_go(
    app: RunningApp, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    fake_slack.fail("files.getUploadURLExternal", "invalid_arguments")
    caplog.set_level(logging.ERROR, logger="bot.services.outbox")

    post = await post_proposal(app)
    await fake_slack.wait_for("files.completeUploadExternal", 1, timeout=20)
    await app.deps.coalescer.drain()

    uploads = [upload for upload in fake_slack.uploads if upload.thread_ts == post.answer["ts"]]
    assert [upload.filename for upload in uploads] == ["timing.png"]
    assert any("upload of gates.png" in record.getMessage() for record in caplog.records)


async def test_with_pictures_off_nothing_is_uploaded(
    fake_slack: FakeSlack, settings: Settings, stores: Stores, clock: FixedClock
) -> None:
    async with serve(make_deps(settings, stores, clock), fake_slack) as app:
        await post_proposal(app)
        await fake_slack.settle(0.3)

    assert fake_slack.calls_to("files.getUploadURLExternal") == []


async def test_each_of_many_proposals_gets_its_own_pictures_in_its_own_thread(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    answers: list[dict[str, Any]] = [
        {**APPROVABLE, "title": f"Proposal {n}", "validation_losses": "0.9, 0.8"}
        if n % 2
        else {**APPROVABLE, "title": f"Proposal {n}", "projected_lift_pct": "1.5"}
        for n in range(6)
    ]
    posts = []
    for number, filled in enumerate(answers):
        status, _ = await app.submit(filled, view_id=f"V0MANY{number}")
        assert status == 200
    posts = await fake_slack.wait_for("chat.postMessage", 6)
    await fake_slack.wait_for("files.completeUploadExternal", 15, timeout=60)
    await app.deps.coalescer.drain()

    for post in posts:
        title = post.params["blocks"][0]["text"]["text"]
        uploads = [u for u in fake_slack.uploads if u.thread_ts == post.answer["ts"]]
        names = [upload.filename for upload in uploads]
        if title.startswith("Engine: approve"):
            assert names == ["loss-curve.png", "gates.png", "timing.png"], title
        else:
            assert names == ["gates.png", "timing.png"], title
            assert uploads[0].title == "Gates: 2 of 8 assessed fail — KPI lift, signal-weighted ROI"


async def test_proposals_with_files_each_get_pictures_of_their_own_measured_figures(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    files = [
        fake_slack.host_file("orders.jsonl", templated_jsonl()),
        fake_slack.host_file("trainer_state.json", trainer_state_json([0.9, 0.7, 0.6, 0.65])),
        fake_slack.host_file("support.jsonl", sample_jsonl()),
    ]
    for number, shared in enumerate(files):
        answers = {**APPROVABLE, "title": f"With file {number}", "training_sample": [shared]}
        status, _ = await app.submit(answers, view_id=f"V0PICTURES{number}")
        assert status == 200
    posts = await fake_slack.wait_for("chat.postMessage", 3, timeout=30)
    await fake_slack.wait_for("files.completeUploadExternal", 7, timeout=60)
    await app.deps.coalescer.drain()

    verdicts = {
        post.params["blocks"][0]["text"]["text"].rsplit(" ", 1)[1]: post
        for post in fake_slack.calls_to("chat.postMessage")
        if "metadata" in post.params
    }
    assert len(verdicts) == 3 and len(posts) >= 3
    uploads = {
        number: [u for u in fake_slack.uploads if u.thread_ts == post.answer["ts"]]
        for number, post in verdicts.items()
    }
    # The templated sample fails diversity: its gates say so; the others pass every gate.
    assert [u.filename for u in uploads["0"]] == ["gates.png", "timing.png"]
    assert uploads["0"][0].title == "Gates: 1 of 8 assessed fail — data hygiene"
    # The trainer_state.json gave losses: its thread alone has the loss curve.
    assert [u.filename for u in uploads["1"]] == ["loss-curve.png", "gates.png", "timing.png"]
    assert (uploads["1"][0].alt_txt or "").startswith("Validation loss bottoms out at epoch 3")
    assert [u.filename for u in uploads["2"]] == ["gates.png", "timing.png"]
    assert uploads["2"][0].title == "Gates: none of the 8 assessed fail"
