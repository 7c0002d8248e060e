"""Setting up an installation: areas, funds, fund years, bodies and their members."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from fractions import Fraction
from functools import cache
from typing import Any, TypeVar
from zoneinfo import available_timezones

from flask import current_app
from sqlalchemy import func, select

from ..domain import widgets
from ..domain.actors import SYSTEM, Actor
from ..domain.budget import EntryKind
from ..domain.errors import DomainError, MoneyError
from ..domain.fundrules import FundRuleSet, check_settings
from ..domain.lifecycles import RoundState
from ..domain.money import MAX_CENTS
from ..domain.vocabulary import COST_CATEGORIES
from ..domain.voting import Majority, VotingRule, validate_rule
from ..extensions import db
from ..infra import audit, clock
from ..models import Application, Area, Body, Fund, FundYear, Member, Round, RoundMember
from ..models.base import utcnow
from . import ledger, locks, uniques

#: First path segments the app itself uses; an area slug may not take them.
RESERVED_SLUGS = frozenset(
    {
        "staff",
        "admin",
        "api",
        "static",
        "language",
        "status",
        "ballot",
        "privacy",
        "login",
        "health",
        "apply",
        "open-data",
        "decisions",
        "about",
        "help",
        "imprint",
        "impressum",
        "datenschutz",
    }
)


Saved = TypeVar("Saved", Area, Fund, FundYear, Body, Member)

#: What the audit trail keeps of a fund's settings and of a member (never name or email).
FUND_RULES = (
    "kind",
    "body_id",
    "cap_cents",
    "minimum_cents",
    "lead_time_days",
    "eligible_categories",
    "carry_over",
    "proof_weeks",
    "presentation_threshold_cents",
    "retention_years",
    "own_share_bp",
    "hour_rate_cents",
    "fee_rule",
    "fee_cap_cents",
    "fee_cap_bp",
    "allowance_bp",
)
MEMBER_RECORDED = (
    "body_id",
    "role",
    "seat",
    "successor_rank",
    "language",
    "term_start",
    "term_end",
)


def _row_or_new(row: Saved | None, new: Callable[[], Saved]) -> tuple[Saved, bool]:
    """The row to change, or a new one added to the session; and whether it is new."""
    if row is not None:
        return row, False
    row = new()
    db.session.add(row)
    return row, True


def _record_saved(
    row: Area | Fund | Body | Member,
    created: bool,
    area_id: int,
    actor: Actor,
    *,
    columns: tuple[str, ...],
    **data: Any,
) -> None:
    """Write a created or changed setting and record it ("fund.created", "member.changed", …)."""
    db.session.flush()
    action = f"{row.__tablename__}.{'created' if created else 'changed'}"
    audit.record_about(row, action, actor=actor, area_id=area_id, columns=columns, **data)


def reserved_slugs() -> frozenset[str]:
    """The fixed slugs plus every first path segment the running app routes itself."""
    fixed = {rule.rule.split("/")[1] for rule in current_app.url_map.iter_rules()}
    return RESERVED_SLUGS | {segment for segment in fixed if segment and "<" not in segment}


def refuse(errors: list[DomainError]) -> None:
    """Raise the first refusal with the others attached, so a form can show every one at once.

    Callers that only look at one error see the first as usual; forms read ``error.more``.
    """
    if errors:
        first = errors[0]
        first.more = tuple(errors[1:])
        raise first


def all_refusals(error: DomainError) -> list[DomainError]:
    """The error and every refusal raised together with it."""
    return [error, *error.more]


# --- areas -------------------------------------------------------------------------------------


@cache
def _timezones_by_folded_name() -> dict[str, str]:
    """The IANA time zone names, found by their case-folded spelling."""
    return {name.casefold(): name for name in available_timezones()}


def canonical_timezone(name: str) -> str | None:
    """The IANA spelling of a time zone typed in any case ("europe/berlin"); None if unknown."""
    return _timezones_by_folded_name().get(name.strip().casefold())


def _check_area_fields(
    area: Area | None,
    *,
    slug: str,
    code: str,
    timezone: str,
    languages: Iterable[str],
    widget_origins: str | None = None,
) -> list[str] | None:
    """Refuse slugs and codes that are taken or reserved, unknown time zones, no German, and
    websites that are not origins; the parsed origins (None: not given)."""
    errors: list[DomainError] = []
    origins = None
    if widget_origins is not None:
        try:
            origins = widgets.parse_origins(widget_origins)
        except DomainError as error:
            errors.append(error)
    own_id = area.id if area is not None else -1
    if slug in reserved_slugs():
        errors.append(DomainError("area.slug_reserved", field="slug"))
    elif db.session.scalar(select(Area.id).where(Area.slug == slug, Area.id != own_id)):
        errors.append(DomainError("area.slug_taken", field="slug"))
    if db.session.scalar(select(Area.id).where(Area.code == code, Area.id != own_id)):
        errors.append(DomainError("area.code_taken", field="code"))
    elif db.session.scalar(
        select(Application.id)
        .where(
            Application.reference.startswith(f"{code}-", autoescape=True),
            Application.area_id != own_id,
        )
        .limit(1)
    ):
        # References are for good (letters, bookings and the audit trail name them): a code
        # another area's applications carry, from before it changed its code, stays theirs.
        errors.append(DomainError("area.code_used", field="code"))
    if canonical_timezone(timezone) is None:
        errors.append(DomainError("area.timezone_unknown", field="timezone"))
    if "de" not in list(languages):
        # German is the legally binding version, so every area offers it.
        errors.append(DomainError("area.german_required", field="languages"))
    refuse(errors)
    return origins


def save_area(
    area: Area | None,
    *,
    name: str,
    slug: str,
    code: str,
    city: str,
    timezone: str,
    languages: list[str],
    description: str = "",
    action_fields: str = "",
    contact_email: str = "",
    widget_origins: str | None = None,
    actor: Actor = SYSTEM,
) -> Area:
    """Create an area (area=None) or change one; widget_origins=None keeps the area's list."""
    slug, code = slug.strip().lower(), code.strip().upper()
    origins = _check_area_fields(
        area,
        slug=slug,
        code=code,
        timezone=timezone,
        languages=languages,
        widget_origins=widget_origins,
    )
    timezone = canonical_timezone(timezone) or timezone
    # The checks above cannot see an area another request is saving at the same moment (two
    # admins, a double click); the unique slug and code can, and the loser is told which.
    with uniques.written_once(
        {
            "uq_area_slug": DomainError("area.slug_taken", field="slug"),
            "uq_area_code": DomainError("area.code_taken", field="code"),
        }
    ):
        area, created = _row_or_new(area, Area)
        area.name, area.slug, area.code, area.city = name.strip(), slug, code, city.strip()
        area.timezone, area.languages = timezone, ",".join(languages)
        area.description, area.contact_email = description.strip(), contact_email.strip().lower()
        area.action_fields = "\n".join(
            line.strip() for line in action_fields.splitlines() if line.strip()
        )
        if origins is not None:
            area.widget_origins = "\n".join(origins)
    _record_saved(
        area,
        created,
        area.id,
        actor,
        columns=("slug", "code", "timezone", "languages", "widget_origins"),
    )
    return area


# --- funds -------------------------------------------------------------------------------------


def save_fund(
    fund: Fund | None,
    area: Area,
    *,
    kind: str,
    name: str,
    body: Body | None,
    cap_cents: int,
    minimum_cents: int,
    lead_time_days: int,
    eligible_categories: list[str],
    carry_over: bool,
    proof_weeks: int,
    description: str = "",
    retention_years: int = 10,
    own_share_bp: int = 0,
    hour_rate_cents: int = 0,
    fee_rule: str = "allowed",
    fee_cap_cents: int | None = None,
    fee_cap_bp: int | None = None,
    allowance_bp: int = 0,
    presentation_threshold_cents: int | None = None,
    actor: Actor = SYSTEM,
) -> Fund:
    """Create a fund in an area (fund=None) or change one."""
    rule_set = FundRuleSet(
        own_share_bp=own_share_bp,
        hour_rate_cents=hour_rate_cents,
        fee_rule=fee_rule,
        fee_cap_cents=fee_cap_cents,
        fee_cap_bp=fee_cap_bp,
        allowance_bp=allowance_bp,
    )
    errors: list[DomainError] = check_settings(rule_set)
    if hour_rate_cents > MAX_CENTS:
        errors.append(
            MoneyError("money.too_large", field="hour_rate_cents", maximum_cents=MAX_CENTS)
        )
    if fee_cap_cents is not None and fee_cap_cents > MAX_CENTS:
        errors.append(MoneyError("money.too_large", field="fee_cap_cents", maximum_cents=MAX_CENTS))
    if body is not None and body.area_id != area.id:
        errors.append(DomainError("fund.body_other_area", field="body"))
    if cap_cents is None or cap_cents <= 0:
        errors.append(DomainError("fund.cap_not_positive", field="cap"))
    elif cap_cents > MAX_CENTS:
        errors.append(MoneyError("money.too_large", field="cap", maximum_cents=MAX_CENTS))
    elif minimum_cents is not None and minimum_cents > cap_cents:
        errors.append(DomainError("fund.minimum_above_cap", field="minimum"))
    unknown = set(eligible_categories) - set(COST_CATEGORIES)
    if unknown or not eligible_categories:
        errors.append(DomainError("fund.categories_required", field="eligible_categories"))
    if presentation_threshold_cents is not None and presentation_threshold_cents < 0:
        errors.append(DomainError("money.negative", field="presentation_threshold"))
    refuse(errors)
    fund, created = _row_or_new(fund, lambda: Fund(area_id=area.id))
    fund.kind, fund.name, fund.body_id = kind, name.strip(), body.id if body else None
    fund.cap_cents, fund.minimum_cents, fund.lead_time_days = (
        cap_cents,
        minimum_cents,
        lead_time_days,
    )
    fund.eligible_categories = ",".join(c for c in COST_CATEGORIES if c in eligible_categories)
    fund.carry_over, fund.proof_weeks, fund.description = (
        carry_over,
        proof_weeks,
        description.strip(),
    )
    fund.retention_years = retention_years
    fund.own_share_bp, fund.hour_rate_cents, fund.allowance_bp = (
        own_share_bp,
        hour_rate_cents,
        allowance_bp,
    )
    # Caps only mean something under a "capped" rule; kept empty otherwise so none lingers.
    capped = fee_rule == "capped"
    fund.fee_rule = fee_rule
    fund.fee_cap_cents = fee_cap_cents if capped else None
    fund.fee_cap_bp = fee_cap_bp if capped else None
    fund.presentation_threshold_cents = presentation_threshold_cents
    _record_saved(fund, created, area.id, actor, columns=FUND_RULES)
    return fund


def _latest_closed_year(fund_id: int) -> int | None:
    """The latest closed year of a fund, if any."""
    return db.session.scalar(
        select(func.max(FundYear.year)).where(
            FundYear.fund_id == fund_id, FundYear.closed_at.is_not(None)
        )
    )


def open_fund_year(
    fund: Fund,
    *,
    year: int,
    allocation_cents: int,
    period_start: date | None = None,
    period_end: date | None = None,
    actor: Actor = SYSTEM,
) -> FundYear:
    """Start a fund year and book its allocation as the first ledger entry.

    A year that exists without an allocation (made by a carry-over at the close of the year
    before, or by money of a closed year's project coming back) gets its allocation now.
    """
    errors: list[DomainError] = []
    # The fund first (lock order: fund, then its years): a close of a later year of the fund
    # (books.close_year) takes it too, so neither checks the other's year half-way done.
    ledger.lock_fund(fund.id)
    # Made now if it does not exist (a request making it at the same moment is waited for),
    # then locked: two requests opening the year at once (a double click, two staff) go one
    # after the other, and the second finds the first one's allocation. Every check reads
    # after the lock; a refusal rolls the new row back with the rest of the request.
    fund_year = ledger.lock_fund_year(ledger.year_of_fund(fund.id, year).id)
    if fund_year.closed_at is not None or ledger.has_allocation(fund_year.id):
        errors.append(DomainError("fund_year.exists", field="year"))
    elif (closed_later := _latest_closed_year(fund.id)) is not None and closed_later > year:
        # Its rest could never be carried or closed into the closed year after it, and the
        # fund's later years could then never close (they close in order).
        errors.append(DomainError("fund_year.before_closed", field="year", closed=closed_later))
    if allocation_cents is None or allocation_cents <= 0:
        errors.append(DomainError("fund_year.allocation_not_positive", field="allocation"))
    elif allocation_cents > MAX_CENTS - ledger.balances_of(fund_year.id).allocated:
        # A year made by a carry-over already holds money; the allocation adds to it.
        errors.append(
            MoneyError("money.allocated_too_large", field="allocation", maximum_cents=MAX_CENTS)
        )
    if period_start is not None and period_end is not None and period_end < period_start:
        errors.append(DomainError("fund_year.period_order", field="period_end"))
    refuse(errors)
    fund_year.period_start, fund_year.period_end = period_start, period_end
    db.session.flush()
    audit.record_about(
        fund_year,
        "fund_year.opened",
        actor=actor,
        area_id=fund.area_id,
        columns=("fund_id", "year"),
        allocation_cents=allocation_cents,
    )
    ledger.book(fund_year, EntryKind.ALLOCATION, allocation_cents, note="@allocation", actor=actor)
    return fund_year


# --- bodies and members ------------------------------------------------------------------------


def save_objection_notice(area: Area, notice: str, *, actor: Actor) -> None:
    """Set how the area's decision letters tell applicants to object (empty: the default)."""
    area.objection_notice = notice.strip()
    # The text itself is public in every letter; the trail records that it changed and by whom.
    audit.record_about(
        area,
        "area.objection_notice",
        actor=actor,
        area_id=area.id,
        custom=bool(area.objection_notice),
    )


def save_body(
    body: Body | None,
    area: Area,
    *,
    kind: str,
    name: str,
    quorum: Fraction,
    quorum_strict: bool,
    quorum_minimum: int,
    majority: str,
    abstain_counts_as_no: bool,
    tie_breaker: Member | None,
    min_members: int | None = 0,
    min_residents: int | None = 0,
    residents_majority: bool = False,
    min_age: int | None = None,
    repeat_quorate: bool = False,
    actor: Actor = SYSTEM,
) -> Body:
    """Create a body (body=None) or change its name, rule and composition rule; opened rounds
    keep their copy of the voting rule."""
    rule = VotingRule(
        quorum=quorum,
        quorum_strict=quorum_strict,
        quorum_minimum=quorum_minimum,
        majority=Majority(majority),
        abstain_counts_as_no=abstain_counts_as_no,
        tie_breaker=str(tie_breaker.id) if tie_breaker else None,
    )
    validate_rule(rule)
    if tie_breaker is not None and (body is None or tie_breaker.body_id != body.id):
        raise DomainError("body.tie_breaker_not_member", field="tie_breaker")
    min_members, min_residents = min_members or 0, min_residents or 0  # empty: no minimum
    if min_members and min_residents > min_members:
        raise DomainError("body.min_residents_above_members", field="min_residents")
    body, created = _row_or_new(body, lambda: Body(area_id=area.id))
    body.kind, body.name = kind, name.strip()
    body.min_members, body.min_residents = min_members, min_residents
    body.residents_majority, body.min_age = residents_majority, min_age
    body.repeat_quorate = repeat_quorate
    body.freeze_rule(rule)  # the tie-breaker as the member's id, checked above
    _record_saved(
        body, created, area.id, actor, columns=("kind", "repeat_quorate"), rule=body.rule_record()
    )
    return body


def save_member(
    member: Member | None,
    body: Body,
    *,
    name: str,
    email: str,
    language: str,
    role: str,
    term_start: date,
    term_end: date | None,
    organisation: str = "",
    seat: str = "full",
    successor_rank: int | None = None,
    birth_date: date | None = None,
    age_confirmed: bool = False,
    actor: Actor = SYSTEM,
) -> Member:
    """Add a member, deputy or successor to a body (member=None) or change one."""
    email = email.strip().lower()
    errors: list[DomainError] = []
    if seat == "successor" and successor_rank is None:
        errors.append(DomainError("member.successor_rank", field="successor_rank"))
    if birth_date is not None and birth_date > clock.area_today(body.area):
        errors.append(DomainError("member.birth_date_future", field="birth_date"))
    if term_end is not None and term_end < term_start:
        errors.append(DomainError("member.term_order", field="term_end"))
    own_id = member.id if member is not None else -1
    taken = db.session.scalar(
        select(Member.id).where(
            Member.body_id == body.id,
            func.lower(Member.email) == email,
            Member.id != own_id,
            Member.removed_at.is_(None),
        )
    )
    email_taken = DomainError("member.email_taken", field="email")
    if taken:
        errors.append(email_taken)
    refuse(errors)
    moved = member is not None and (member.email or "").strip().lower() != email
    # The rounds their link opens are locked before the member's row is written (lock order:
    # round, then member, as a round's close holds its members): their links change below.
    relinked = _participations_with_links(member) if member is not None and moved else []
    created = member is None
    # The look above cannot see a member another request is adding at the same moment (two
    # staff, a double click); the unique index of serving members can, and the loser is told.
    with uniques.written_once({"uq_member_body_email_serving": email_taken}):
        member = _row_or_new(member, lambda: Member(body_id=body.id))[0]
        member.name, member.email = name.strip(), email
        member.language, member.role = language, role
        member.term_start, member.term_end = term_start, term_end
        member.organisation = (organisation or "").strip()
        member.seat = seat
        member.successor_rank = successor_rank if seat == "successor" else None
        member.birth_date, member.age_confirmed = birth_date, age_confirmed
    # The member's row is now written (and locked) before the second look.
    if moved:
        # A round that opened after the first look (its opening held this row until it
        # committed, see rounds._hold_body_members) mailed the old address: it is relinked too.
        relinked = relinked + _participations_with_links(member, besides=relinked)
    if relinked:
        _relink(relinked, actor)
    # No name or email: personal data stays out of the trail.
    _record_saved(member, created, body.area_id, actor, columns=MEMBER_RECORDED)
    return member


def _participations_with_links(
    member: Member, *, besides: Sequence[RoundMember] = ()
) -> list[RoundMember]:
    """The member's places in rounds whose ballot their link still opens (open rounds, and
    closed or deferred ones in their grace for reading), each round locked (shared) in id
    order, leaving out those `besides`; none once the member is off the body (no link of
    theirs opens anything any more)."""
    from . import rounds  # rounds imports payments, which imports this module

    if member.removed_at is not None:
        return []
    participants = db.session.scalars(
        select(RoundMember)
        .join(Round, Round.id == RoundMember.round_id)
        .where(
            RoundMember.member_id == member.id,
            RoundMember.revoked_at.is_(None),
            Round.state != RoundState.DRAFT.value,
        )
        .order_by(RoundMember.round_id)
    ).all()
    now = utcnow()
    known = {p.id for p in besides}
    opening = [
        p
        for p in participants
        if p.id not in known and rounds.access_refusal_now(p, now=now) is None
    ]
    for participant in opening:
        locks.lock(Round, participant.round_id, shared=True)
    return opening


def _relink(participants: list[RoundMember], actor: Actor) -> None:
    """After a corrected address: a new ballot link at it for each open round of the member,
    and the old links ended in closed rounds still readable; the links (and sessions) of the
    old address stop working everywhere.

    A link is bound to the person (DESIGN.md §2); one mailed to a mistyped address opens the
    dossiers to a stranger until it is replaced. The rounds were locked before the member was
    written (_participations_with_links); each change writes the audit chain, last in lock order.
    """
    from . import rounds  # rounds imports payments, which imports this module

    for participant in participants:
        db.session.refresh(participant, ["revoked_at"])  # read after the lock, never before
        if participant.revoked_at is not None:
            continue
        if participant.round.state == RoundState.OPEN:
            rounds.reissue_link(participant, actor=actor)
        else:  # closed meanwhile (the lock waited for the closing) or before: reading only
            rounds.end_links(participant, actor=actor)


def remove_member(member: Member, *, actor: Actor = SYSTEM) -> None:
    """Take a member off the body; their ballot access ends at once.

    The member's row is locked first, and the moment stamped after it: a round closing at the
    same time holds its members (rounds.close_round), so the removal is dated after the close
    it waited for, or the close counts it.
    """
    member = locks.lock(Member, member.id)
    if member.removed_at is None:
        area_id, body_id = member.body.area_id, member.body_id
        audit.record_about(member, "member.removed", actor=actor, area_id=area_id, body_id=body_id)
        member.removed_at = utcnow()
        if member.body.tie_breaker_id == member.id:
            member.body.tie_breaker_id = None
    db.session.flush()
