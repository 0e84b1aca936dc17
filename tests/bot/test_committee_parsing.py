"""`/finetune-check committee …`: show, add and remove, and clear errors for the rest."""

from __future__ import annotations

import pytest

from bot.voting.committee import (
    CommitteeCommand,
    CommitteeCommandError,
    CommitteeVerb,
    parse_committee_command,
)


@pytest.mark.parametrize("text", ["committee", "committee show", "  Committee   SHOW "])
def test_committee_alone_or_with_show_shows_the_committee(text: str) -> None:
    assert parse_committee_command(text) == CommitteeCommand(CommitteeVerb.SHOW)


def test_add_reads_both_forms_of_slack_mention() -> None:
    command = parse_committee_command("committee add <@U123> <@U456|ana maria>")
    assert command == CommitteeCommand(CommitteeVerb.ADD, ("U123", "U456"))


def test_remove_reads_one_mention() -> None:
    assert parse_committee_command("committee remove <@W0ENT1>") == CommitteeCommand(
        CommitteeVerb.REMOVE, ("W0ENT1",)
    )


def test_a_person_named_twice_is_listed_once() -> None:
    command = parse_committee_command("committee add <@U1> <@U1|al> <@U2>")
    assert command.user_ids == ("U1", "U2")


def test_add_without_anyone_names_the_missing_people() -> None:
    with pytest.raises(CommitteeCommandError, match="`committee add` needs at least one person"):
        parse_committee_command("committee add")


def test_an_unknown_verb_is_named_with_what_is_allowed() -> None:
    with pytest.raises(CommitteeCommandError, match="`promote` is not a committee action") as error:
        parse_committee_command("committee promote <@U1>")
    assert "committee show" in str(error.value)


def test_plain_text_instead_of_a_mention_is_refused() -> None:
    with pytest.raises(CommitteeCommandError, match="`@alice` is not a mention of a person"):
        parse_committee_command("committee add <@U1> @alice")


def test_a_channel_or_broadcast_token_is_not_a_person() -> None:
    with pytest.raises(CommitteeCommandError, match="not a mention of a person"):
        parse_committee_command("committee add <#C123|general>")
    with pytest.raises(CommitteeCommandError, match="&lt;!channel&gt;"):
        parse_committee_command("committee add <!channel>")


def test_show_with_names_is_refused() -> None:
    with pytest.raises(CommitteeCommandError, match="takes no names"):
        parse_committee_command("committee show <@U1>")


def test_text_for_another_subcommand_is_refused() -> None:
    with pytest.raises(CommitteeCommandError, match="starts with `committee`"):
        parse_committee_command("list")
