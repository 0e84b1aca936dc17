"""Evidence from files, end to end: a sample or trainer_state.json attached in the modal is read
after the ack (files.info, then the download with the bot token), measured, stored as the next
revision and shown in the verdict; a file that cannot be used leaves the proposal on its typed
figures with the thread saying why; a data file posted in a verdict's thread gets a report and
a button that opens the revise modal with the measured figures."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.deps import Deps
from bot.infrastructure.coalescer import UpdateCoalescer
from bot.infrastructure.settings import Settings, load_settings
from bot.persistence.stores import Stores
from tests.bot import signing
from tests.bot.conftest import (
    APPROVABLE,
    RunningApp,
    environment,
    make_deps,
    sent_view,
    serve,
    view_state,
)
from tests.bot.evidence_files import (
    broken_jsonl,
    sample_jsonl,
    templated_jsonl,
    trainer_state_json,
)
from tests.bot.fake_slack import BOT_TOKEN, BOT_USER_ID, Call, FakeSlack
from tests.bot.test_voting_e2e import (
    AUTHOR,
    CHANNEL,
    click,
    deliver,
    message_event,
    post_proposal,
    proposal_id_of,
    thread_lines,
)
from tests.clock import FixedClock

SAMPLE = "support-sample.jsonl"


@pytest.fixture
def deps(settings: Settings, stores: Stores, clock: FixedClock) -> Deps:
    """Thread posts coalesced over 50 ms; pictures off (tests/bot/test_thread_pictures.py)."""
    return replace(make_deps(settings, stores, clock), coalescer=UpdateCoalescer(0.05))


def context_texts(post: Call) -> list[str]:
    return [
        block["elements"][0]["text"]
        for block in post.params["blocks"]
        if block["type"] == "context"
    ]


def evidence_context(post: Call) -> str:
    """The verdict's context line about evidence (the one before the id/policy line)."""
    return context_texts(post)[-2]


async def submit_with(app: RunningApp, *files: dict[str, Any], **answers: Any) -> Call:
    """Submit APPROVABLE (with `answers`) and these files; the verdict once it is posted."""
    return await post_proposal(app, {**APPROVABLE, **answers, "training_sample": list(files)})


async def revisions(stores: Stores, proposal_id: int) -> list[Any]:
    return [
        record.proposal
        for record in await stores.proposals.evaluation_history(proposal_id=proposal_id)
    ]


async def settled_thread(app: RunningApp, ts: str) -> list[str]:
    await app.deps.coalescer.drain()
    return thread_lines(app.fake_slack, ts)


# -- a sample in the modal -----------------------------------------------------------------------


async def test_an_attached_sample_is_measured_and_the_verdict_shows_the_measured_figures(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    shared = fake_slack.host_file(SAMPLE, sample_jsonl())

    post = await submit_with(app, shared)

    # 8 repeats in 200 rows: 4 % duplicates; 36 of 40 audited rows right: 90 % label accuracy.
    assert evidence_context(post) == (
        "Measured from support-sample.jsonl (200 rows): label accuracy 90 % (typed 95 %); "
        "diversity 100 % (typed 80 %); duplicates 4 % (typed 5 %)."
    )
    typed, measured = await revisions(stores, proposal_id_of(post))
    assert (typed.label_accuracy_pct, typed.diversity_pct, typed.duplicate_pct) == (95, 80, 5)
    assert (measured.label_accuracy_pct, measured.diversity_pct) == (90.0, 100.0)
    assert measured.duplicate_pct == pytest.approx(4.0)
    assert len(fake_slack.calls_to("chat.postMessage")) >= 1
    assert fake_slack.calls_to("chat.postMessage")[0] is post


async def test_the_file_is_read_with_files_info_and_the_bot_token_after_the_ack(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    shared = fake_slack.host_file(SAMPLE, sample_jsonl())

    post = await submit_with(app, shared)

    [info] = fake_slack.calls_to("files.info")
    [download] = fake_slack.downloads()
    assert info.params["file"] == shared["id"]
    assert download.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert download.params["path"].endswith(f"/download/{SAMPLE}")
    assert fake_slack.calls.index(info) < fake_slack.calls.index(post)


async def test_the_submission_is_answered_and_stored_while_the_file_is_still_being_read(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    fake_slack.hang("files.info")
    shared = fake_slack.host_file(SAMPLE, sample_jsonl())

    status, body = await app.submit({**APPROVABLE, "training_sample": [shared]})
    await fake_slack.wait_for("files.info")
    [stored] = await stores.proposals.list_channel_proposals(
        team_id="T0001", channel_id=CHANNEL, limit=5
    )

    assert (status, body) == (200, "")
    assert stored.revision == 1 and stored.proposal.label_accuracy_pct == 95
    assert fake_slack.calls_to("chat.postMessage") == []
    fake_slack.release()
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert post.params["metadata"]["event_payload"]["proposal_id"] == stored.id


async def test_a_sample_that_fails_the_hygiene_minimum_turns_the_verdict(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    shared = fake_slack.host_file("orders.jsonl", templated_jsonl())

    post = await submit_with(app, shared)

    assert post.params["metadata"]["event_payload"]["verdict"] == "reject"
    assert post.params["blocks"][1]["text"]["text"].startswith(
        "*Why:* Diversity 20.8 % is below the 70.0 % Data Hygiene minimum."
    )
    assert "diversity 20.8 % (typed 80 %)" in evidence_context(post)
    assert "label accuracy as typed" not in evidence_context(post)
    assert evidence_context(post).endswith("Label accuracy as typed (no audited rows).")


async def test_the_scan_table_is_posted_in_the_thread_without_a_revise_button(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    post = await submit_with(app, fake_slack.host_file(SAMPLE, sample_jsonl()))
    ts = str(post.answer["ts"])
    await app.deps.coalescer.drain()

    [report] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    table = report.params["blocks"][0]["text"]["text"]
    assert table.startswith("*Scan of support-sample.jsonl*\n```rows            200\n")
    assert "label accuracy  90.0 %    ✅ ≥ 70 %" in table
    assert "revise_with_measured" not in json.dumps(report.params["blocks"])
    assert thread_lines(fake_slack, ts)[0].startswith("Scan of support-sample.jsonl: 200 rows.")


async def test_a_trainer_state_fills_the_validation_losses_and_says_where_they_came_from(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    shared = fake_slack.host_file("trainer_state.json", trainer_state_json([0.9, 0.7, 0.6, 0.65]))

    post = await submit_with(app, shared)

    _, measured = await revisions(stores, proposal_id_of(post))
    assert measured.validation_losses == [0.9, 0.7, 0.6, 0.65]
    assert evidence_context(post) == "Validation loss from trainer_state.json, 4 epochs."


async def test_a_sample_and_a_trainer_state_together_make_one_measured_revision(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    sample = fake_slack.host_file(SAMPLE, sample_jsonl())
    state = fake_slack.host_file("trainer_state.json", trainer_state_json([0.8, 0.6]))

    post = await submit_with(app, sample, state)

    history = await revisions(stores, proposal_id_of(post))
    assert len(history) == 2
    assert history[1].validation_losses == [0.8, 0.6]
    assert history[1].label_accuracy_pct == 90.0
    assert evidence_context(post).endswith(
        "duplicates 4 % (typed 5 %). · Validation loss from trainer_state.json, 2 epochs."
    )


async def test_the_measured_line_stays_on_the_message_when_a_vote_refreshes_it(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    post = await submit_with(app, fake_slack.host_file(SAMPLE, sample_jsonl()))

    await click(app, "vote_approve", proposal_id_of(post), "U0VOTER1")
    await app.deps.coalescer.drain()
    [update] = fake_slack.calls_to("chat.update")

    assert evidence_context(update) == evidence_context(post)


# -- files that cannot be used -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "size", "problem"),
    [
        ("support.jsonl", broken_jsonl(3), None, "line 3 is not valid JSON"),
        (
            "big.csv",
            b"text,label\nhello,a\n",
            14 * 1024 * 1024,
            "it is 14.0 MB; the limit is 10 MB",
        ),
        ("empty.csv", b"", None, "the file is empty"),
        ("notes.json", b'{"not": "a trainer state"}', None, "log_history"),
    ],
)
async def test_a_file_that_cannot_be_used_leaves_the_typed_figures_and_the_thread_says_why(
    app: RunningApp,
    fake_slack: FakeSlack,
    stores: Stores,
    name: str,
    data: bytes,
    size: int | None,
    problem: str,
) -> None:
    shared = fake_slack.host_file(name, data, size=size)

    post = await submit_with(app, shared)
    [line] = await settled_thread(app, str(post.answer["ts"]))

    assert line.startswith(f"⚠️ {name} was not used: ")
    assert problem in line
    assert line.endswith("The verdict uses the typed figures.")
    assert len(await revisions(stores, proposal_id_of(post))) == 1
    assert post.params["metadata"]["event_payload"]["verdict"] == "approve"
    assert "Measured from" not in json.dumps(post.params["blocks"])


async def test_an_oversized_file_is_not_downloaded(app: RunningApp, fake_slack: FakeSlack) -> None:
    shared = fake_slack.host_file("big.csv", b"text\nx\n", size=11 * 1024 * 1024)

    await submit_with(app, shared)

    assert fake_slack.downloads() == []


async def test_a_file_slack_cannot_find_is_named_in_the_thread(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    post = await submit_with(app, {"id": "F0GONE", "name": "gone.jsonl"})

    [line] = await settled_thread(app, str(post.answer["ts"]))

    assert line == (
        "⚠️ gone.jsonl was not used: Slack has no such file (file_not_found); it may have been "
        "deleted The verdict uses the typed figures."
    )


async def test_a_sign_in_page_instead_of_the_file_is_named_and_never_scanned(
    fake_slack: FakeSlack, database_url: str, stores: Stores, clock: FixedClock
) -> None:
    # A token Slack does not accept for files (no files:read): its download gets the sign-in
    # page, with status 200, exactly as when the link is fetched without a token.
    settings = load_settings(
        environment(fake_slack, database_url, SLACK_BOT_TOKEN="xoxb-without-files-read")
    )
    deps = replace(make_deps(settings, stores, clock), coalescer=UpdateCoalescer(0.05))
    async with serve(deps, fake_slack) as app:
        post = await submit_with(app, fake_slack.host_file(SAMPLE, sample_jsonl()))
        [line] = await settled_thread(app, str(post.answer["ts"]))

    [download] = fake_slack.downloads()
    assert download.params["authorised"] is False
    assert line.startswith(
        "⚠️ support-sample.jsonl was not used: Slack answered with a sign-in page instead of "
        "the file"
    )
    assert len(await revisions(stores, proposal_id_of(post))) == 1


async def test_a_second_data_sample_is_not_used_and_the_thread_says_so(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    first = fake_slack.host_file("first.jsonl", sample_jsonl())
    second = fake_slack.host_file("second.jsonl", templated_jsonl())

    post = await submit_with(app, first, second)
    lines = await settled_thread(app, str(post.answer["ts"]))

    assert "Measured from first.jsonl" in evidence_context(post)
    assert lines[1] == (
        "⚠️ second.jsonl was not used: only one data sample is read per proposal, and this one "
        "came second The verdict uses the typed figures."
    )


async def test_a_file_of_the_wrong_kind_is_an_error_on_the_file_block(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    shared = fake_slack.host_file("screenshot.png", b"\x89PNG")

    status, body = await app.submit({**APPROVABLE, "training_sample": [shared]})
    await fake_slack.settle(0.1)

    assert status == 200
    errors = json.loads(body)["errors"]
    assert list(errors) == ["training_sample"]
    assert errors["training_sample"].startswith("screenshot.png is not a data file: use a .jsonl")
    assert fake_slack.calls_to("files.info") == []


async def test_several_proposals_with_files_each_get_their_own_measured_figures(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    copies = [2, 4, 6, 12, 16]  # of 200 rows: 1, 2, 3, 6 and 8 % duplicates
    for number, count in enumerate(copies):
        data = sample_jsonl(unique=200 - count, copies=count, tag=f"p{number}")
        shared = fake_slack.host_file(f"sample-{number}.jsonl", data)
        answers = {**APPROVABLE, "title": f"Proposal {number}", "training_sample": [shared]}
        status, _ = await app.submit(answers, view_id=f"V0FILES{number}")
        assert status == 200
    await fake_slack.wait_for("chat.postMessage", len(copies), timeout=30)
    assert await app.deps.background.drain(timeout=30) == 0

    verdicts = [c for c in fake_slack.calls_to("chat.postMessage") if "metadata" in c.params]
    assert len(verdicts) == len(copies)
    for post in verdicts:
        number = int(post.params["blocks"][0]["text"]["text"].rsplit(" ", 1)[1])
        expected = 100 * copies[number] / 200
        assert f"Measured from sample-{number}.jsonl (200 rows)" in evidence_context(post)
        assert f"duplicates {expected:g} % (typed 5 %)" in evidence_context(post)
        _, measured = await revisions(stores, proposal_id_of(post))
        assert measured.duplicate_pct == pytest.approx(expected)


# -- a data file in a verdict's thread -----------------------------------------------------------


def file_share(
    fake: FakeSlack, shared: dict[str, Any], under: str, user: str = AUTHOR, **extra: Any
) -> dict[str, Any]:
    """The message event Slack sends for a reply with a file in the thread of `under`."""
    event = message_event(
        user=user, text="here is our sample", thread_ts=under, ts="1700000500.000100"
    )
    return {**event, "subtype": "file_share", "files": [shared], **extra}


async def posted_proposal(app: RunningApp) -> tuple[int, str]:
    post = await post_proposal(app)
    await app.deps.coalescer.drain()
    return proposal_id_of(post), str(post.answer["ts"])


async def test_a_sample_posted_in_the_thread_gets_a_scan_report_with_a_revise_button(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    proposal_id, ts = await posted_proposal(app)
    shared = fake_slack.host_file("orders.jsonl", templated_jsonl())

    await deliver(app, file_share(fake_slack, shared, ts), event_id="EvFILE1")
    await fake_slack.wait_for("chat.postMessage", 2)
    await app.deps.coalescer.drain()

    report = fake_slack.calls_to("chat.postMessage")[-1]
    table = report.params["blocks"][0]["text"]["text"]
    assert report.params["thread_ts"] == ts
    assert "diversity       20.8 %    ❌ below 70 %" in table
    assert "label accuracy  –         not measured (no gold labels)" in table
    assert report.params["blocks"][1]["elements"][0]["text"].startswith(
        "Fails the 70.0 % Data Hygiene minimum on diversity 20.8 %."
    )
    [button] = report.params["blocks"][2]["elements"]
    assert button["action_id"] == "revise_with_measured"
    assert json.loads(button["value"])["proposal_id"] == proposal_id


async def test_the_button_opens_the_revise_modal_prefilled_with_the_measured_figures(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    proposal_id, ts = await posted_proposal(app)
    shared = fake_slack.host_file(SAMPLE, sample_jsonl())
    await deliver(app, file_share(fake_slack, shared, ts), event_id="EvFILE2")
    await fake_slack.wait_for("chat.postMessage", 2)
    await app.deps.coalescer.drain()
    value = fake_slack.calls_to("chat.postMessage")[-1].params["blocks"][2]["elements"][0]["value"]

    await app.click(
        signing.block_actions(
            action_id="revise_with_measured", value=value, user_id=AUTHOR, channel_id=CHANNEL
        )
    )
    [opened] = await fake_slack.wait_for("views.open")
    view = sent_view(opened.params)
    initial = prefilled(view)

    assert initial["label_accuracy_pct"] == "90"
    assert initial["diversity_pct"] == "100"
    assert initial["duplicate_pct"] == "4"
    assert json.loads(view["private_metadata"]) == {
        "channel_id": CHANNEL,
        "proposal_id": proposal_id,
    }

    body = signing.view_submission(
        values=view_state(view, initial),
        private_metadata=view["private_metadata"],
        view_id="V0MEASURED",
    )
    status, answer = await app.send(body, signing.FORM)
    assert answer == ""
    await fake_slack.wait_for("chat.update")
    history = await stores.proposals.evaluation_history(proposal_id=proposal_id)
    assert status == 200
    assert [record.proposal.label_accuracy_pct for record in history] == [95, 90]


def prefilled(view: dict[str, Any]) -> dict[str, str]:
    """What a modal shows filled in: each input's initial value or chosen option's value."""
    answers = {}
    for block in view["blocks"]:
        element = block.get("element", {})
        if block["type"] != "input":
            continue
        if element.get("initial_value"):
            answers[block["block_id"]] = element["initial_value"]
        elif element.get("initial_option"):
            answers[block["block_id"]] = element["initial_option"]["value"]
    return answers


async def test_only_the_author_may_revise_with_the_measured_figures(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    proposal_id, _ = await posted_proposal(app)
    value = json.dumps({"proposal_id": proposal_id, "measured": {"diversity_pct": 20.8}})

    await app.click(
        signing.block_actions(
            action_id="revise_with_measured", value=value, user_id="U0SOMEONE", channel_id=CHANNEL
        )
    )
    [told] = await fake_slack.wait_for("chat.postEphemeral")

    assert told.params["user"] == "U0SOMEONE"
    assert told.params["text"].startswith("Only the author")
    assert fake_slack.calls_to("views.open") == []


async def test_a_broken_file_in_the_thread_gets_a_line_saying_why(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    _, ts = await posted_proposal(app)
    shared = fake_slack.host_file("support.jsonl", broken_jsonl(2))

    await deliver(app, file_share(fake_slack, shared, ts), event_id="EvFILE3")
    await fake_slack.wait_for("chat.postMessage", 2)
    lines = await settled_thread(app, ts)

    assert lines == [
        "⚠️ support.jsonl was not used: line 2 is not valid JSON: Expecting value (at column 33)"
    ]


@pytest.mark.parametrize(
    ("where", "extra"),
    [
        ("the bot's own upload", {"user": BOT_USER_ID, "bot_id": "B0001"}),
        ("a screenshot", {}),
        ("a thread that is no verdict's", {"thread_ts": "1700000099.000001"}),
    ],
)
async def test_files_that_are_not_evidence_are_left_alone(
    app: RunningApp, fake_slack: FakeSlack, where: str, extra: dict[str, Any]
) -> None:
    _, ts = await posted_proposal(app)
    name = "chart.png" if where == "a screenshot" else SAMPLE
    shared = fake_slack.host_file(name, sample_jsonl())

    await deliver(app, file_share(fake_slack, shared, ts, **extra), event_id="EvFILE4")
    await fake_slack.settle(0.3)

    assert fake_slack.calls_to("files.info") == [], where
    assert thread_lines(fake_slack, ts) == []


async def test_samples_in_several_threads_are_each_reported_in_their_own(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    for number in range(3):
        await app.submit({**APPROVABLE, "title": f"Thread {number}"}, view_id=f"V0THREAD{number}")
    posts = await fake_slack.wait_for("chat.postMessage", 3)
    await app.deps.coalescer.drain()
    threads = [str(post.answer["ts"]) for post in posts]
    for number, ts in enumerate(threads):
        copies = 2 * (number + 1)
        data = sample_jsonl(unique=200 - copies, copies=copies, tag=f"t{number}")
        shared = fake_slack.host_file(f"thread-{number}.jsonl", data)
        event = file_share(fake_slack, shared, ts, ts=f"1700000600.00000{number}")
        await deliver(app, event, event_id=f"EvMANY{number}")
    await fake_slack.wait_for("chat.postMessage", 6, timeout=30)
    await app.deps.coalescer.drain()

    for number, ts in enumerate(threads):
        [report] = thread_lines(fake_slack, ts)
        assert report.startswith(f"Scan of thread-{number}.jsonl: 200 rows.")
        posted = [
            c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts
        ]
        table = posted[0].params["blocks"][0]["text"]["text"]
        assert f"duplicates      {copies_pct(number)} % ({2 * (number + 1)} exact, 0 near)" in table


def copies_pct(number: int) -> str:
    return f"{100 * 2 * (number + 1) / 200:g}"
