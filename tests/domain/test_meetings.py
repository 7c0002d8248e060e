"""Meeting rules: § 90 (2) repeat meetings, the minutes' record, presentations (table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from juryfund.domain.errors import DomainError
from juryfund.domain.meetings import (
    RepeatFacts,
    check_meeting_record,
    check_repeat,
    needs_presentation,
    share_in_words,
    waived_items,
)
from juryfund.domain.voting import Choice, Outcome, VotingRule, tally

pytestmark = [pytest.mark.domain, pytest.mark.voting]

MEMBERS = [f"m{i}" for i in range(1, 8)]

WAIVE_CASES = [
    # (present, votes, waive, expected outcome, expected quorum_needed)
    pytest.param(2, "yy", False, Outcome.NO_QUORUM, 4, id="two-of-seven-no-quorum"),
    # A waived quorum still needs one participant: an empty room decides nothing.
    pytest.param(2, "yy", True, Outcome.APPROVED, 1, id="two-of-seven-waived-approves"),
    pytest.param(2, "yn", True, Outcome.REJECTED, 1, id="waived-tie-rejects"),
    pytest.param(1, "n", True, Outcome.REJECTED, 1, id="waived-one-no"),
    pytest.param(1, "", True, Outcome.REJECTED, 1, id="waived-one-present-silent-rejects"),
    pytest.param(0, "", True, Outcome.NO_QUORUM, 1, id="waived-nobody-decides-nothing"),
    pytest.param(5, "yyynn", False, Outcome.APPROVED, 4, id="quorate-anyway"),
    pytest.param(5, "yyynn", True, Outcome.APPROVED, 1, id="quorate-and-waived-same-result"),
]


@pytest.mark.parametrize(("present", "votes", "waive", "outcome", "needed"), WAIVE_CASES)
def test_tally_waive_quorum(present, votes, waive, outcome, needed):
    choices = {"y": Choice.YES, "n": Choice.NO}
    result = tally(
        members=MEMBERS,
        present=MEMBERS[:present],
        votes={m: choices[c] for m, c in zip(MEMBERS, votes, strict=False)},
        rule=VotingRule(),
        waive_quorum=waive,
    )
    assert (result.outcome, result.quorum_needed) == (outcome, needed)
    assert result.quorate == (outcome != Outcome.NO_QUORUM)


def test_tally_without_waive_keyword_is_unchanged():
    result = tally(members=MEMBERS, votes={"m1": Choice.YES})
    assert (result.quorate, result.quorum_needed) == (False, 4)


OK = RepeatFacts(
    body_allows=True,
    same_body=True,
    earlier_mode="meeting",
    earlier_closed=True,
    earlier_inquorate=True,
    announced=True,
)

REPEAT_CASES = [
    pytest.param({}, None, id="allowed"),
    pytest.param({"body_allows": False}, "repeat.body_does_not_allow", id="body-does-not-allow"),
    pytest.param({"same_body": False}, "repeat.not_a_meeting_of_the_body", id="other-body"),
    pytest.param({"earlier_mode": "circulation"}, "repeat.not_a_meeting_of_the_body", id="written"),
    pytest.param({"earlier_closed": False}, "repeat.earlier_was_quorate", id="earlier-open"),
    pytest.param({"earlier_inquorate": False}, "repeat.earlier_was_quorate", id="was-quorate"),
    pytest.param({"announced": False}, "repeat.not_announced", id="not-announced"),
    pytest.param(
        {"body_allows": False, "announced": False}, "repeat.body_does_not_allow", id="first-wins"
    ),
]


@pytest.mark.parametrize(("change", "reason"), REPEAT_CASES)
def test_check_repeat(change, reason):
    facts = RepeatFacts(**{**OK.__dict__, **change})
    if reason is None:
        check_repeat(facts)
    else:
        with pytest.raises(DomainError) as refused:
            check_repeat(facts)
        assert refused.value.reason == reason


T0 = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)

RECORD_CASES = [
    pytest.param({}, [], id="complete"),
    pytest.param({"ended_at": None}, [], id="still-running"),
    pytest.param({"began_at": None, "ended_at": None}, ["meeting.began_required"], id="no-begin"),
    pytest.param(
        {"ended_at": T0 - timedelta(minutes=1)}, ["meeting.end_before_begin"], id="end-first"
    ),
    pytest.param({"ended_at": T0}, [], id="zero-length"),
    pytest.param(
        {"began_at": T0 + timedelta(days=3), "ended_at": None},
        ["meeting.other_day"],
        id="other-day",
    ),
    pytest.param({"chair_member": False}, ["meeting.chair_required"], id="no-chair"),
    pytest.param({"chair_staff": True}, ["meeting.one_chair"], id="two-chairs"),
    pytest.param({"minute_taker": "  "}, ["meeting.minute_taker_required"], id="no-taker"),
    pytest.param(
        {"chair_member": False, "minute_taker": ""},
        ["meeting.chair_required", "meeting.minute_taker_required"],
        id="all-at-once",
    ),
    pytest.param({"closed_at": T0 + timedelta(hours=1)}, [], id="closed-after-begin"),
    pytest.param({"closed_at": T0}, [], id="closed-at-begin"),
    pytest.param(
        {"closed_at": T0 - timedelta(minutes=1)},
        ["meeting.began_after_close"],
        id="began-after-close",
    ),
    pytest.param(
        {"closed_at": T0 + timedelta(minutes=30), "ended_at": T0 + timedelta(hours=2)},
        [],
        id="ended-after-close",
    ),
    pytest.param({"changes_who_counted": True}, ["meeting.began_changes_members"], id="reseats"),
    pytest.param({"chair_present": False}, ["meeting.chair_absent"], id="chair-absent"),
    pytest.param({"chair_on_body": False}, ["meeting.chair_not_on_body"], id="chair-left-body"),
    pytest.param(
        {"chair_member": False, "chair_staff": True, "chair_present": False},
        [],
        id="staff-chair",
    ),
]


@pytest.mark.parametrize(("change", "reasons"), RECORD_CASES)
def test_check_meeting_record(change, reasons):
    values = {
        "began_at": T0,
        "ended_at": T0 + timedelta(hours=2),
        "meeting_at": T0,
        "chair_member": True,
        "chair_staff": False,
        "minute_taker": "Ayşe Yılmaz",
        **change,
    }
    if not reasons:
        check_meeting_record(**values)
        return
    with pytest.raises(DomainError) as refused:
        check_meeting_record(**values)
    assert [e.reason for e in (refused.value, *refused.value.more)] == reasons


@pytest.mark.parametrize(
    ("requested", "threshold", "expected"),
    [
        (60000, 50000, True),
        (50000, 50000, False),
        (50001, 50000, True),
        (100, None, False),
        (1, 0, True),
        (0, 0, False),
    ],
)
def test_needs_presentation(requested, threshold, expected):
    assert needs_presentation(requested, threshold) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "words"),
    [(1, 2, "half"), (2, 4, "half"), (2, 3, "two_thirds"), (3, 4, "three_quarters"), (5, 7, None)],
)
def test_share_in_words(numerator, denominator, words):
    assert share_in_words(numerator, denominator) == words


def test_waived_items_are_the_inquorate_ones():
    assert waived_items([(1, "no_quorum"), (2, "approved"), (3, None), (4, "no_quorum")]) == {1, 4}


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("began_at", "other_day"),
    [
        # Called for 4 March, 18:00 in Berlin (17:00 UTC).
        pytest.param(datetime(2030, 3, 4, 22, 30, tzinfo=UTC), False, id="23:30-same-day"),
        pytest.param(datetime(2030, 3, 4, 23, 30, tzinfo=UTC), True, id="00:30-next-day"),
        pytest.param(datetime(2030, 3, 5, 15, 0, tzinfo=UTC), True, id="22-hours-later"),
        pytest.param(datetime(2030, 3, 4, 6, 0, tzinfo=UTC), False, id="morning-same-day"),
    ],
)
def test_the_meeting_day_is_the_areas_calendar_day(began_at, other_day):
    values = {
        "began_at": began_at,
        "ended_at": None,
        "meeting_at": datetime(2030, 3, 4, 17, 0, tzinfo=UTC),
        "chair_member": True,
        "chair_staff": False,
        "minute_taker": "Ayşe Yılmaz",
        "zone": BERLIN,
    }
    if not other_day:
        check_meeting_record(**values)
        return
    with pytest.raises(DomainError) as refused:
        check_meeting_record(**values)
    assert refused.value.reason == "meeting.other_day"
