"""The shared data fixtures, one pytest plugin for every test directory (``pytest_plugins`` in
``tests/conftest.py``).

Soldiner Kiez with its jury of seven, the Aktionsfonds and a staff member are the world most tests
start from; ``approved`` and ``decide`` take it further through real rounds. Everything is built
by the factories of ``tests/factories.py``, i.e. through the services. A directory's conftest
overrides a fixture here only where its tests need a different world (e.g. intake's ``area``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, Attachment, Decision, Round
from juryfund.services import ballots, decisions, payments, rounds
from tests.factories import (
    PASSWORD,
    AdminFactory,
    ApplicationFactory,
    AreaFactory,
    BodyFactory,
    FundFactory,
    StaffFactory,
    reset_sequences,
)

#: The jury's member languages, in member order: mails go out in several languages (member 4
#: reads Ukrainian, member 3 Arabic, a right-to-left script).
JURY_LANGUAGES = ["de", "tr", "ar", "uk", "ru", "pl", "en"]


@pytest.fixture(autouse=True)
def _fresh_factory_sequences():
    """Generated slugs, codes and e-mails count from 1 in every test, as if it ran alone."""
    reset_sequences()


# --- the set-up factories in the tests' call style ------------------------------------------------


class Make:
    """make.area(), make.body(area), make.fund(area, body), make.staff(), make.admin(): committed."""

    def area(self, name="Soldiner Kiez", slug=None, code=None, **fields):
        """An area (slug area-<n>, code A.. unless given); `fields` as setup.save_area takes them."""
        given = {key: value for key, value in (("slug", slug), ("code", code)) if value}
        return AreaFactory(name=name, **given, **fields)

    def staff(self, email=None, role="staff", areas=(), password=PASSWORD):
        """A staff account (staff<n>@example.org unless given) of the areas."""
        given = {"email": email} if email else {}
        return StaffFactory(role=role, areas=list(areas), password=password, **given)

    def admin(self, email=None):
        """An admin account (admin<n>@example.org unless given)."""
        return AdminFactory(**({"email": email} if email else {}))

    def body(self, area, kind="jury", members=7, **rule):
        """A body of the area with `members` German-speaking members; `rule` overrides the rule."""
        return BodyFactory(area=area, kind=kind, members=members, **rule)

    def fund(self, area, body, cap_cents=150000, allocation_cents=1_000_000, year=None):
        """An Aktionsfonds decided by `body`, with `year` (this year) opened unless the
        allocation is 0."""
        fund_year = {"fund_year__allocation_cents": allocation_cents}
        if year:
            fund_year["fund_year__year"] = year
        if not allocation_cents:
            fund_year = {"fund_year": None}
        return FundFactory(area=area, body=body, cap_cents=cap_cents, **fund_year)


@pytest.fixture
def make(app):
    """The set-up factories, committed; each call returns the created object."""
    return Make()


# --- Soldiner Kiez ---------------------------------------------------------------------------------


@pytest.fixture
def area(app):
    """Soldiner Kiez (slug soldiner-kiez, code SOL), all seven languages, action fields
    "Nachbarschaft" and "Kultur"."""
    return AreaFactory(name="Soldiner Kiez", slug="soldiner-kiez", code="SOL")


@pytest.fixture
def jury(area):
    """The area's jury of seven under the default rule (simple majority, quorum > 1/2, at least 3);
    member languages de, tr, ar, uk, ru, pl, en."""
    return BodyFactory(area=area, members=7, members__languages=JURY_LANGUAGES)


@pytest.fixture
def fund(area, jury):
    """The Aktionsfonds decided by the jury: at most 1,500 € per application, 10,000 € this year."""
    return FundFactory(
        area=area, body=jury, cap_cents=150_000, fund_year__allocation_cents=1_000_000
    )


@pytest.fixture
def staff(area):
    """A staff member of the area (acts through the services; not logged in)."""
    return StaffFactory(areas=[area])


# --- decided applications ------------------------------------------------------------------------


def approved_round(
    jury, staff, applications: list[Application], *, title: str = "Umlauf", choice: str = "yes"
) -> Round:
    """A circulation round over the applications where five members voted yes (or `choice`) on
    everything, closed early on the product's clock: every item approved (rejected) and
    waiting for staff to confirm its amount (reasons)."""
    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title=title,
        when=clock.now() + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [a.id for a in applications])
    rounds.open_round(round_, actor=staff.actor)
    for participant in round_.participants[:5]:
        for item in round_.agenda:
            ballots.cast_vote(participant, item, choice)
    rounds.close_round(round_, actor=staff.actor, early_reason="Vor der Frist geschlossen.")
    db.session.commit()
    return round_


@pytest.fixture
def approved(area, fund, jury, staff):
    """ "Pflanzaktion" approved with 400 € of 480 € requested (commitment booked)."""
    application = ApplicationFactory(
        area=area, fund=fund, title="Pflanzaktion", requested_cents=48000, email="ayse@example.org"
    )
    round_ = approved_round(jury, staff, [application])
    decisions.confirm_approval(
        round_.agenda[0],
        amount_cents=40000,
        conditions="",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    return application


@dataclass
class Spec:
    """What to decide: title, request, outcome and the applicant's publishing choices."""

    title: str
    requested: int = 50000
    outcome: str = "approved"  # approved | rejected | no_quorum
    approved: int | None = None  # confirmed amount; defaults to the request
    #: The body's reasons (a rejection and a partial approval need some).
    reasons: str = "Die Jury hat die Mittel anders verteilt."
    kind: str = "initiative"
    name: str = "Antragstellerin"
    organisation: str = ""
    consent: bool = False
    goals: tuple[str, ...] = ()
    participants: int = 0
    email: str = "applicant@example.org"
    phone: str = ""
    address: str = "Soldiner Str. 1, 13359 Berlin"


def cut(application: Application, amount_cents: int, staff) -> Decision:
    """Staff correct an application's approved amount down to `amount_cents` (committed)."""
    correction = decisions.correct_decision(
        decisions.current_decision(application),
        amount_cents=amount_cents,
        conditions="",
        reason="Kürzung",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    return correction


#: A valid IBAN as an applicant types it (spaces, small letters).
IBAN_TYPED = "de89 3704 0044 0532 0130 00"


def ask_payment(application, actor, amount=10000, kind="advance", **overrides):
    """A valid payment request of `amount` cents entered by `actor`, fields overridden."""
    fields = {
        "kind": kind,
        "amount_cents": amount,
        "account_holder": "Ayşe Yılmaz",
        "iban": IBAN_TYPED,
        "bic": "cobadeffxxx",
    }
    fields.update(overrides)
    return payments.request_payment(application, actor=actor, **fields)


def colleague_of(application):
    """Another staff member of the area, who enters a request (the four-eyes rule then lets
    the tests' `staff` approve it)."""
    return StaffFactory(areas=[application.area]).actor


def written_round(jury, staff, applications: list[Application], *, days: int = 7) -> Round:
    """A written round (circulation) of the jury with these applications, open and committed,
    its deadline `days` from now."""
    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf",
        when=datetime.now(UTC) + timedelta(days=days),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [application.id for application in applications])
    rounds.open_round(round_, actor=staff.actor)
    db.session.commit()
    return round_


def quote_of(application: Application, filename: str = "angebot.pdf") -> Attachment:
    """A small PDF quote attached to the application (not yet committed)."""
    quote = Attachment(
        application_id=application.id,
        kind="quote",
        filename=filename,
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        data=b"%PDF-1.4",
    )
    db.session.add(quote)
    return quote


def ready_application(area, fund, spec: Spec) -> Application:
    """An application as a resident submits it (with the spec's personal data and publishing
    choices), through formal review to ready."""
    start = clock.area_today(area) + timedelta(days=40)
    return ApplicationFactory(
        area=area,
        fund=fund,
        title=spec.title,
        requested_cents=spec.requested,
        applicant_kind=spec.kind,
        applicant_name=spec.name,
        organisation=spec.organisation,
        email=spec.email,
        phone=spec.phone,
        address=spec.address,
        lives_or_acts_in_area=True,
        goals="\n".join(spec.goals),
        target_group="Nachbarschaft",
        place="Soldiner Kiez",
        start_date=start,
        end_date=start + timedelta(days=1),
        participants=spec.participants,
        consent_publish_name=spec.consent,
    )


@pytest.fixture
def decide(area, fund, jury, staff):
    """decide(specs, at=None, in_fund=None) -> applications: one jury meeting decides them all.

    `at` is when the jury met, the moment of its decisions (default: an hour ago); staff close
    the round half an hour later. Approvals are confirmed with the spec's amount, rejections
    with the spec's reasons. Six of seven members attend: approve
    5:1, reject 1:5; a deferral has only two members present.
    """

    def run(specs: list[Spec], *, at: datetime | None = None, in_fund=None) -> list[Application]:
        target = in_fund or fund
        met_at = at or datetime.now(UTC) - timedelta(hours=1)
        closed_at = met_at + timedelta(minutes=30)
        applications = [ready_application(area, target, spec) for spec in specs]
        meeting = rounds.save_round(
            None,
            target.body or jury,
            mode="meeting",
            title="Jurysitzung",
            when=met_at,
            place="Nachbarschaftsetage",
            actor=staff.actor,
        )
        rounds.set_agenda(meeting, [a.id for a in applications])
        rounds.open_round(meeting, actor=staff.actor, now=closed_at - timedelta(days=7))
        no_quorum = any(spec.outcome == "no_quorum" for spec in specs)
        if no_quorum:
            assert all(spec.outcome == "no_quorum" for spec in specs), (
                "defer in a meeting of its own"
            )
        present = meeting.participants[: 2 if no_quorum else 6]
        for participant in present:
            ballots.set_presence(participant, True, actor=staff.actor)
        for item, spec in zip(meeting.agenda, specs, strict=True):
            yes = {"approved": 5, "rejected": 1, "no_quorum": 2}[spec.outcome]
            for i, participant in enumerate(present):
                ballots.cast_vote(participant, item, "yes" if i < yes else "no", actor=staff.actor)
        rounds.close_round(meeting, actor=staff.actor, now=closed_at)
        for item, spec in zip(meeting.agenda, specs, strict=True):
            if item.result == "approved":
                decisions.confirm_approval(
                    item,
                    amount_cents=spec.approved or spec.requested,
                    conditions="",
                    reasons=spec.reasons,
                    actor=staff.actor,
                )
            elif item.result == "rejected":
                decisions.confirm_rejection(item, reasons=spec.reasons, actor=staff.actor)
        db.session.commit()
        assert [item.result for item in meeting.agenda] == [spec.outcome for spec in specs]
        return applications

    return run
