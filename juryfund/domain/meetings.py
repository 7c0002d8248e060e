"""Rules of a body's meetings: repeat meetings (§ 90 (2) VwVfG), the minutes' record (§ 93),
and which applicants present their project in person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from fractions import Fraction

from .errors import DomainError
from .voting import Outcome

__all__ = [
    "RepeatFacts",
    "check_meeting_record",
    "check_repeat",
    "needs_presentation",
    "on_other_day",
    "share_in_words",
    "waived_items",
]


@dataclass(frozen=True)
class RepeatFacts:
    """What decides whether a repeat meeting may be quorate regardless of attendance."""

    body_allows: bool  # the body's rules allow it (Body.repeat_quorate)
    same_body: bool  # the earlier round was a round of the same body
    earlier_mode: str  # "meeting" or "circulation"
    earlier_closed: bool  # the earlier round is closed (its tallies are final)
    earlier_inquorate: bool  # at least one item of the earlier round had no quorum
    announced: bool  # the invitation says the meeting is quorate regardless of attendance


def check_repeat(facts: RepeatFacts) -> None:
    """Refuse a quorum waiver § 90 (2) VwVfG does not cover; raises DomainError with the reason."""
    # Checked in the order a person would: first the body's rules, then the earlier meeting,
    # then the invitation. The first failed condition is the one shown.
    if not facts.body_allows:
        raise DomainError("repeat.body_does_not_allow", field="announce")
    if not facts.same_body or facts.earlier_mode != "meeting":
        raise DomainError("repeat.not_a_meeting_of_the_body")
    if not facts.earlier_closed or not facts.earlier_inquorate:
        raise DomainError("repeat.earlier_was_quorate")
    if not facts.announced:
        raise DomainError("repeat.not_announced", field="announce")


def check_meeting_record(
    *,
    began_at: datetime | None,
    ended_at: datetime | None,
    meeting_at: datetime | None,
    chair_member: bool,
    chair_staff: bool,
    minute_taker: str,
    zone: tzinfo = UTC,
    closed_at: datetime | None = None,
    chair_present: bool = True,
    chair_on_body: bool = True,
    changes_who_counted: bool = False,
) -> None:
    """Refuse an impossible record of a meeting's course; every refusal at once (DomainError.more).

    `zone`: the area's time zone, whose calendar day the meeting is held on. `closed_at`: when
    the round was closed (None while open). `chair_present` / `chair_on_body`: whether the
    member named as chair is recorded present, and was on the body when the meeting began.
    `changes_who_counted`: with this begin, other members would have been on the body when the
    meeting began than the closed round counted.
    """
    errors: list[DomainError] = []
    if began_at is None:
        errors.append(DomainError("meeting.began_required", field="began_at"))
    if ended_at is not None and began_at is not None and ended_at < began_at:
        errors.append(DomainError("meeting.end_before_begin", field="ended_at"))
    # A meeting is held on the day it was called for; a begin on another day is a typing error
    # (and would date the meeting's decisions on that day).
    if began_at is not None and meeting_at is not None and on_other_day(began_at, meeting_at, zone):
        errors.append(DomainError("meeting.other_day", field="began_at"))
    # The votes were taken in the meeting and the round closed on them: a begin after the
    # close would date the meeting after its own decisions. (An end after the close is
    # possible: staff may close the vote while the meeting goes on with other business.)
    if began_at is not None and closed_at is not None and began_at > closed_at:
        errors.append(DomainError("meeting.began_after_close", field="began_at"))
    # Who is on the body is judged at the begin; once the round is closed its counts are final,
    # so a begin that would seat other members contradicts them.
    if changes_who_counted:
        errors.append(DomainError("meeting.began_changes_members", field="began_at"))
    if chair_member and chair_staff:
        errors.append(DomainError("meeting.one_chair", field="chair"))
    if not chair_member and not chair_staff:
        errors.append(DomainError("meeting.chair_required", field="chair"))
    # A member chairs from the room, as a member of the body: the record must say so too.
    if chair_member and not chair_staff and not chair_on_body:
        errors.append(DomainError("meeting.chair_not_on_body", field="chair"))
    elif chair_member and not chair_staff and not chair_present:
        errors.append(DomainError("meeting.chair_absent", field="chair"))
    if not minute_taker.strip():
        errors.append(DomainError("meeting.minute_taker_required", field="minute_taker"))
    if errors:
        first = errors[0]
        first.more = tuple(errors[1:])
        raise first


def on_other_day(moment: datetime, meeting_at: datetime, zone: tzinfo) -> bool:
    """Whether a moment falls on another calendar day than the meeting, in the area's zone
    (22 hours later, or 2 hours later past midnight, is another day; 23:00 after 10:00 is not)."""
    return moment.astimezone(zone).date() != meeting_at.astimezone(zone).date()


def needs_presentation(requested_cents: int, threshold_cents: int | None) -> bool:
    """Whether an applicant presents in person: asking for more than the fund's threshold."""
    # None: the fund invites nobody to present. "Above 500 €" means 500 € itself does not.
    return threshold_cents is not None and requested_cents > threshold_cents


#: Shares a body's rule commonly uses, by their word (the web layer translates the key).
SHARE_WORDS: dict[Fraction, str] = {
    Fraction(1, 2): "half",
    Fraction(2, 3): "two_thirds",
    Fraction(3, 4): "three_quarters",
    Fraction(1, 3): "one_third",
    Fraction(3, 5): "three_fifths",
    Fraction(1, 1): "all",
}


def share_in_words(numerator: int, denominator: int) -> str | None:
    """The word key of a quorum share ("half", "two_thirds"), None for an uncommon one."""
    return SHARE_WORDS.get(Fraction(numerator, denominator))


def waived_items(earlier_results: Iterable[tuple[int, str | None]]) -> frozenset[int]:
    """The applications a repeat meeting may decide without quorum: inquorate the first time."""
    return frozenset(app_id for app_id, result in earlier_results if result == Outcome.NO_QUORUM)
