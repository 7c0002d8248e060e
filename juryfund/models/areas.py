"""Areas, their funds and fund years, and the bodies (jury, council) that decide."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..config import SUPPORTED_LOCALES
from ..domain.composition import CompositionRule, Seat
from ..domain.fundrules import FundRuleSet, Period, period_of
from ..domain.lifecycles import within_term
from ..domain.sessions import Session
from ..domain.vocabulary import (
    AREA_TEXT_FIELDS,
    BODY_KINDS,
    FEE_RULES,
    FUND_KINDS,
    FUND_TEXT_FIELDS,
    MEMBER_ROLES,
    MEMBER_SEATS,
)
from ..extensions import Model
from .base import Cents, UTCDateTime, one_of, utcnow
from .voting_rule import VotingRuleColumns


class Area(Model):
    """One neighbourhood (Quartier) with its own QM team and funds."""

    __tablename__ = "area"
    __table_args__ = (
        CheckConstraint("length(code) = 3", name="code_length"),
        # The origins go into a Content-Security-Policy header: no quote or semicolon may
        # ever reach it (domain.widgets checks every origin; this holds it for any writer).
        CheckConstraint(
            "widget_origins NOT LIKE '%;%' AND widget_origins NOT LIKE '%''%'",
            name="widget_origins_safe",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL part: /<slug>/
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    #: Three capital letters that start every application reference, e.g. SOL-2026-0042.
    code: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    #: Comma-separated locale codes the area's forms offer, e.g. "de,en,tr,ar".
    languages: Mapped[str] = mapped_column(String(100), default="de,en")
    #: The area's texts in German, the source; other languages live in AreaText.
    description: Mapped[str] = mapped_column(Text, default="")
    #: What the neighbourhood management wants to reach (Ziele).
    goals: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: How to reach the QM team: office, opening hours, phone (the e-mail has its own column).
    contact_info: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Where the jury and council meet, and where residents can drop in.
    meeting_places: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: One action field (Handlungsfeld) per line; applicants tick the ones their project serves.
    action_fields: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    #: How to object to a decision, as the decision letters say it; empty: the default text.
    objection_notice: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Websites allowed to embed the area's widgets: origins (domain.widgets), one per line.
    widget_origins: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    funds: Mapped[list[Fund]] = relationship(back_populates="area", order_by="Fund.id")
    bodies: Mapped[list[Body]] = relationship(back_populates="area", order_by="Body.id")

    @property
    def language_list(self) -> list[str]:
        """The offered locales as a list, in their stored order."""
        return [code for code in self.languages.split(",") if code]

    @property
    def widget_origin_list(self) -> list[str]:
        """The websites allowed to embed the widgets, as a list of origins."""
        return self.widget_origins.split()

    @property
    def action_field_list(self) -> list[str]:
        """The action fields as a list of non-empty lines."""
        return [line.strip() for line in self.action_fields.splitlines() if line.strip()]


class Body(VotingRuleColumns, Model):
    """A jury or council that decides a fund's applications under its own voting rule."""

    __tablename__ = "body"
    __table_args__ = (
        one_of("kind", BODY_KINDS),
        *VotingRuleColumns.rule_checks(),
        CheckConstraint("min_members >= 0 AND min_residents >= 0", name="composition_counts"),
        CheckConstraint("min_age IS NULL OR min_age BETWEEN 1 AND 99", name="min_age_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    # The voting rule's columns come from VotingRuleColumns; rounds copy the rule when they open.
    #: The chair whose vote decides a tie under a simple majority.
    tie_breaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", use_alter=True, ondelete="SET NULL")
    )
    #: The body's own composition rule (FACTS.md: a jury has at least 7 residents aged 16+;
    #: a Quartiersrat more than half residents). Opening a round against it needs a reason.
    min_members: Mapped[int] = mapped_column(default=0, server_default="0")
    min_residents: Mapped[int] = mapped_column(default=0, server_default="0")
    residents_majority: Mapped[bool] = mapped_column(default=False, server_default=false())
    min_age: Mapped[int | None]
    #: § 90 (2) VwVfG: the body's rules let a repeated meeting on the same agenda be quorate
    #: regardless of attendance, when its invitation says so.
    repeat_quorate: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship(back_populates="bodies")
    members: Mapped[list[Member]] = relationship(
        back_populates="body", order_by="Member.name", foreign_keys="Member.body_id"
    )
    tie_breaker: Mapped[Member | None] = relationship(
        foreign_keys=[tie_breaker_id], post_update=True
    )

    @property
    def composition_rule(self) -> CompositionRule:
        """The body's composition rule as the domain checks it."""
        return CompositionRule(
            min_members=self.min_members,
            min_residents=self.min_residents,
            residents_majority=self.residents_majority,
            min_age=self.min_age,
        )

    def voting_members(self, on: date) -> list[Member]:
        """Full members whose term covers the given day and who were not taken off the body."""
        return [m for m in self.members if m.seat == Seat.FULL and m.serves_on(on)]

    def deputies(self, on: date) -> list[Member]:
        """Deputies serving on the given day (they vote only in place of a full member)."""
        return [m for m in self.members if m.seat == Seat.DEPUTY and m.serves_on(on)]

    def successors(self) -> list[Member]:
        """Successors not taken off the body, in the order they step in."""
        waiting = [m for m in self.members if m.seat == Seat.SUCCESSOR and m.removed_at is None]
        return sorted(waiting, key=lambda m: (m.successor_rank or 0, m.id))


class Member(Model):
    """A person on a body, with a term and a preferred language for mails."""

    __tablename__ = "member"
    __table_args__ = (
        one_of("role", MEMBER_ROLES),
        one_of("seat", MEMBER_SEATS),
        CheckConstraint("term_end IS NULL OR term_end >= term_start", name="term_order"),
        CheckConstraint(
            "(seat = 'successor') = (successor_rank IS NOT NULL)", name="successor_has_rank"
        ),
        # One serving entry per person and body; someone taken off can be added again later.
        Index(
            "uq_member_body_email_serving",
            "body_id",
            "email",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Stored lower-cased.
    email: Mapped[str] = mapped_column(String(254))
    #: The institution or initiative the member belongs to (finds likely conflicts of interest).
    organisation: Mapped[str] = mapped_column(String(200), default="", server_default="")
    language: Mapped[str] = mapped_column(String(5), default="de")
    #: The member's group: resident or institution.
    role: Mapped[str] = mapped_column(String(12), default="resident")
    #: Full member, deputy (votes only in place of a named full member) or successor.
    seat: Mapped[str] = mapped_column(String(10), default="full", server_default="full")
    #: A successor's place in the order of stepping in (1 first).
    successor_rank: Mapped[int | None]
    #: Optional, where the body has a minimum age; or staff's confirmation of the age alone.
    birth_date: Mapped[date | None]
    age_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    term_start: Mapped[date]
    term_end: Mapped[date | None]
    #: Set when the member is taken off the body; their ballot links stop working at once.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[Body] = relationship(back_populates="members", foreign_keys=[body_id])

    def serves_on(self, day: date) -> bool:
        """True when the member is on the body on that day."""
        if self.removed_at is not None:
            return False
        return within_term(day, self.term_start, self.term_end)


class Fund(Model):
    """An area's fund (Aktionsfonds or Quartiersfonds) with its rules and deciding body."""

    __tablename__ = "fund"
    __table_args__ = (
        one_of("kind", FUND_KINDS),
        CheckConstraint("cap_cents > 0", name="cap_positive"),
        CheckConstraint("minimum_cents >= 0 AND minimum_cents <= cap_cents", name="minimum_range"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_nonnegative"),
        CheckConstraint("proof_weeks > 0", name="proof_weeks_positive"),
        CheckConstraint("retention_years > 0", name="retention_positive"),
        CheckConstraint("own_share_bp BETWEEN 0 AND 10000", name="own_share_bp_range"),
        CheckConstraint("hour_rate_cents >= 0", name="hour_rate_nonnegative"),
        one_of("fee_rule", FEE_RULES),
        CheckConstraint(
            "fee_cap_cents IS NULL OR fee_cap_cents >= 0", name="fee_cap_cents_nonnegative"
        ),
        CheckConstraint(
            "fee_cap_bp IS NULL OR fee_cap_bp BETWEEN 0 AND 10000", name="fee_cap_bp_range"
        ),
        CheckConstraint("allowance_bp BETWEEN 0 AND 10000", name="allowance_bp_range"),
        CheckConstraint(
            "presentation_threshold_cents IS NULL OR presentation_threshold_cents >= 0",
            name="presentation_threshold_nonnegative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Who and what the fund pays for, in plain words for applicants (German source).
    eligibility_hints: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Most one application may get, in cents (Berlin Aktionsfonds: 1,500 €).
    cap_cents: Mapped[Cents]
    #: Smallest request this fund takes (Projektfonds: from 5,000 €); 0 for none.
    minimum_cents: Mapped[Cents] = mapped_column(default=0)
    #: Applicants asking for more than this present their project in the meeting (FACTS.md:
    #: e.g. above 500 €); None: nobody is invited to present.
    presentation_threshold_cents: Mapped[int | None] = mapped_column(BigInteger)
    #: Days between submitting and the action's start.
    lead_time_days: Mapped[int] = mapped_column(default=14)
    #: Comma-separated codes from domain.vocabulary.COST_CATEGORIES.
    eligible_categories: Mapped[str] = mapped_column(String(300))
    #: Unspent money moves into next year's fund year (else it lapses at year close).
    carry_over: Mapped[bool] = mapped_column(default=False)
    #: Proof of use is due this many weeks after the action ends.
    proof_weeks: Mapped[int] = mapped_column(default=4)
    #: Personal data of applicants is anonymised this many years after the final state.
    retention_years: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)
    # Fund rules (domain.fundrules); shares in basis points, 1000 = 10 %.
    #: Least own contribution (money or volunteer hours) as a share of the costs (Aachen: 10 %).
    own_share_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    #: What a volunteer hour counts as own contribution (Aachen: 10 €); 0: hours do not count.
    hour_rate_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")
    #: Fees (Honorare) for others: "allowed", "forbidden" or "capped".
    fee_rule: Mapped[str] = mapped_column(String(10), default="allowed", server_default="allowed")
    #: Under "capped": most fees may come to, absolute and/or as a share of the costs.
    fee_cap_cents: Mapped[Cents | None]
    fee_cap_bp: Mapped[int | None]
    #: Flat allowance for the applicant's own costs, a share of the proven costs (0: none).
    allowance_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship(back_populates="funds")
    body: Mapped[Body | None] = relationship()
    years: Mapped[list[FundYear]] = relationship(
        back_populates="fund", order_by="FundYear.year.desc()"
    )
    sessions: Mapped[list[FundSession]] = relationship(
        back_populates="fund", order_by="FundSession.meets_on"
    )

    @property
    def category_list(self) -> list[str]:
        """Eligible cost category codes as a list."""
        return [c for c in self.eligible_categories.split(",") if c]

    @property
    def rule_set(self) -> FundRuleSet:
        """The fund's rules as domain.fundrules checks them."""
        return FundRuleSet(
            own_share_bp=self.own_share_bp,
            hour_rate_cents=self.hour_rate_cents,
            fee_rule=self.fee_rule,
            fee_cap_cents=self.fee_cap_cents,
            fee_cap_bp=self.fee_cap_bp,
            allowance_bp=self.allowance_bp,
        )


class FundYear(Model):
    """The money of one fund for one calendar year; bookings lock this row."""

    __tablename__ = "fund_year"
    __table_args__ = (
        UniqueConstraint("fund_id", "year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_end >= period_start",
            name="period_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    year: Mapped[int]
    #: Set by year close; a closed year takes no more bookings.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bumped by every booking: the write that serialises concurrent bookings.
    version: Mapped[int] = mapped_column(default=0)
    #: The funding period: actions and receipts must fall in it; empty ends: the calendar year.
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    fund: Mapped[Fund] = relationship(back_populates="years")

    @property
    def period(self) -> Period:
        """The funding period, the calendar year where no end is set."""
        return period_of(self.year, self.period_start, self.period_end)


class FundSession(Model):
    """A jury session announced for a fund, with the day applications for it are due.

    Announced long before a round is set up, so it is its own row and not a planned round.
    """

    __tablename__ = "fund_session"
    __table_args__ = (
        UniqueConstraint("fund_id", "meets_on"),
        CheckConstraint("apply_by <= meets_on", name="apply_by_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    #: The day the jury meets, in the area's time zone.
    meets_on: Mapped[date]
    #: The last day an application reaches this session (that day included).
    apply_by: Mapped[date]
    place: Mapped[str] = mapped_column(String(300), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    fund: Mapped[Fund] = relationship(back_populates="sessions")

    @property
    def rule(self) -> Session:
        """The session as domain.sessions reasons about it."""
        return Session(meets_on=self.meets_on, apply_by=self.apply_by)


#: Languages an area text may be written in besides German (German lives on the area or fund).
TRANSLATED_LOCALES = tuple(code for code in SUPPORTED_LOCALES if code != "de")


def _quoted(values: tuple[str, ...]) -> str:
    """Values as a list of SQL string literals, for a CHECK."""
    return ", ".join(f"'{value}'" for value in values)


class AreaText(Model):
    """An area's or one of its funds' text in a language other than German.

    German stays the source on the area and fund rows; a page in another language shows this
    row where it exists and the German text, marked as such, where not.
    """

    __tablename__ = "area_text"
    __table_args__ = (
        one_of("locale", TRANSLATED_LOCALES),
        CheckConstraint(
            f"(fund_id IS NULL AND field IN ({_quoted(AREA_TEXT_FIELDS)}))"
            f" OR (fund_id IS NOT NULL AND field IN ({_quoted(FUND_TEXT_FIELDS)}))",
            name="field_valid",
        ),
        # An empty translation is no translation: the row is deleted instead.
        CheckConstraint("length(text) > 0", name="text_not_empty"),
        # One text per field and language: of the area (no fund) or of one fund.
        Index(
            "uq_area_text_area_field_locale",
            "area_id",
            "field",
            "locale",
            unique=True,
            sqlite_where=text("fund_id IS NULL"),
            postgresql_where=text("fund_id IS NULL"),
        ),
        Index(
            "uq_area_text_fund_field_locale",
            "fund_id",
            "field",
            "locale",
            unique=True,
            sqlite_where=text("fund_id IS NOT NULL"),
            postgresql_where=text("fund_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Set for fund texts too, so one query by area reads every text of an area's page.
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"))
    field: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
