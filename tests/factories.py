"""factory_boy factories for the test data: areas, bodies and members, funds and fund years, staff
accounts and ready applications.

The set-up entities are created through the real set-up services (``juryfund.services.setup``,
``accounts``), never by inserting rows: the services check their invariants and write the audit
trail, and tests such as ``flask juryfund verify-audit`` need that trail whole. Every factory
commits what it made, as the running app would before the next request sees it (the tests'
clients run each request in a fresh session).

Generated values (``area-1``/``AAB``, ``staff1@example.org``) are numbered from 1 in every test;
the fixtures in ``tests/fixtures.py`` reset the sequences.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import factory
from factory.alchemy import SQLAlchemyModelFactory

from juryfund.domain.actors import SYSTEM, Actor
from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, Area, Body, CostItem, Fund, FundYear, Member, StaffUser
from juryfund.services import accounts, history, setup

#: The password of every staff account the factories make.
PASSWORD = "correct horse battery"
#: The languages an area offers by default: all seven the product speaks.
ALL_LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru", "pl")


def _session():
    """Flask-SQLAlchemy's session of the current app context (looked up at every create)."""
    return db.session


class BaseFactory(SQLAlchemyModelFactory):
    """Creates through `_service` (a set-up service) when a factory has one, then commits."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = _session
        # Commit ourselves after the post-generation hooks (members, fund year, history), so an
        # object is never committed half made; see _after_postgeneration.
        sqlalchemy_session_persistence = None

    @classmethod
    def _setup_next_sequence(cls):
        """Number generated values from 1, as the fixtures always did."""
        return 1

    @classmethod
    def _service(cls, **fields):
        """Create the object the way the app does; the base adds the row as it is."""
        obj = cls._meta.model(**fields)
        db.session.add(obj)
        return obj

    @classmethod
    def _save(cls, model_class, session, args, kwargs):
        """Create through the service and flush, so post-generation hooks see ids."""
        obj = cls._service(*args, **kwargs)
        session.flush()
        return obj

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        """Commit once the object is complete (its hooks ran): requests must see it."""
        if create:
            _session().commit()


class AreaFactory(BaseFactory):
    """An area offering all seven languages, action fields "Nachbarschaft" and "Kultur"."""

    class Meta:
        model = Area

    name = "Soldiner Kiez"
    slug = factory.Sequence(lambda n: f"area-{n}")
    code = factory.Sequence(lambda n: f"A{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    city = "Berlin"
    timezone = "Europe/Berlin"
    languages = factory.LazyFunction(lambda: list(ALL_LANGUAGES))
    description = ""
    action_fields = "Nachbarschaft\nKultur"

    @classmethod
    def _service(cls, **fields):
        """setup.save_area: refuses taken or reserved slugs and codes, audits the creation."""
        return setup.save_area(None, **fields, actor=SYSTEM)


class BodyFactory(BaseFactory):
    """A jury under the default rule (quorum > 1/2, at least 3, simple majority) with members.

    ``members=N`` sets how many serve (default 7: "Member 1".."Member N", term from 2020);
    ``members__languages=[...]`` gives each its mail language (default German).
    """

    class Meta:
        model = Body

    area = factory.SubFactory(AreaFactory)
    kind = "jury"
    name = factory.LazyAttribute(lambda o: f"Jury {o.area.name}")
    quorum = Fraction(1, 2)
    quorum_strict = True
    quorum_minimum = 3
    majority = "simple"
    abstain_counts_as_no = False
    tie_breaker = None

    @classmethod
    def _service(cls, area, **rule):
        """setup.save_body: validates the voting rule, audits the creation."""
        return setup.save_body(None, area, **rule, actor=SYSTEM)

    @factory.post_generation
    def members(body, create, extracted, **kwargs):
        """Add the body's members through setup.save_member (one audited creation each)."""
        if not create:
            return
        count = 7 if extracted is None else extracted
        languages = kwargs.get("languages") or ["de"] * count
        for i, language in zip(range(count), languages, strict=True):
            MemberFactory(
                body=body,
                name=f"Member {i + 1}",
                email=f"m{i + 1}.b{body.id}@example.org",
                language=language,
            )


class MemberFactory(BaseFactory):
    """A resident member of a body, serving since 2020 without an end."""

    class Meta:
        model = Member

    body = factory.SubFactory(BodyFactory, members=0)
    name = factory.Sequence(lambda n: f"Member {n}")
    email = factory.Sequence(lambda n: f"member{n}@example.org")
    language = "de"
    role = "resident"
    term_start = date(2020, 1, 1)
    term_end = None

    @classmethod
    def _service(cls, body, **fields):
        """setup.save_member: refuses a second serving entry per e-mail, audits the creation."""
        return setup.save_member(None, body, **fields, actor=SYSTEM)


class FundYearFactory(BaseFactory):
    """This year of a fund with its allocation booked (10,000 € by default)."""

    class Meta:
        model = FundYear

    fund = factory.SubFactory("tests.factories.FundFactory", fund_year=None)
    # The area's year: at 23:30 UTC on 31 December it is already next year in Berlin.
    year = factory.LazyAttribute(lambda o: clock.area_today(o.fund.area).year)
    allocation_cents = 1_000_000

    @classmethod
    def _service(cls, fund, **fields):
        """setup.open_fund_year: books the allocation as the year's first ledger entry."""
        return setup.open_fund_year(fund, **fields, actor=SYSTEM)


class FundFactory(BaseFactory):
    """The Aktionsfonds: at most 1,500 € per application, lead time 14 days, with this year open.

    ``fund_year=None`` makes a fund without a year; ``fund_year__allocation_cents``,
    ``fund_year__year`` change the year opened with it.
    """

    class Meta:
        model = Fund

    area = factory.SubFactory(AreaFactory)
    body = factory.SubFactory(BodyFactory, area=factory.SelfAttribute("..area"))
    kind = "action_fund"
    name = "Aktionsfonds"
    cap_cents = 150_000
    minimum_cents = 0
    lead_time_days = 14
    eligible_categories = factory.LazyFunction(lambda: ["material", "services"])
    carry_over = False
    proof_weeks = 4
    fund_year = factory.RelatedFactory(FundYearFactory, factory_related_name="fund")

    @classmethod
    def _service(cls, area, **fields):
        """setup.save_fund: checks cap, minimum, categories and the body's area; audits."""
        return setup.save_fund(None, area, **fields, actor=SYSTEM)


class StaffFactory(BaseFactory):
    """A staff account (password PASSWORD) assigned to the given areas."""

    class Meta:
        model = StaffUser

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    name = "Sam Staff"
    password = PASSWORD
    role = "staff"
    areas = factory.LazyFunction(list)

    @classmethod
    def _service(cls, **fields):
        """accounts.create_staff: hashes the password, refuses a taken e-mail, audits."""
        return accounts.create_staff(**fields, actor=SYSTEM)


class AdminFactory(StaffFactory):
    """An admin account; shares the staff numbering, so e-mails never collide."""

    email = factory.Sequence(lambda n: f"admin{n}@example.org")
    role = "admin"


class ApplicationFactory(BaseFactory):
    """An application already through formal review (state ready), with one cost item.

    No service submits straight to "ready", so the row is added as intake would store it and
    its history is written through ``juryfund.services.history`` (submitted, then ready), which
    keeps the history and the audit trail consistent.
    """

    class Meta:
        model = Application
        exclude = ("numbering",)

    area = factory.SubFactory(AreaFactory)
    fund = factory.SubFactory(FundFactory, area=factory.SelfAttribute("..area"))
    year = factory.LazyAttribute(lambda o: clock.area_today(o.area).year)
    # The next free number of the area and year, as intake draws it.
    numbering = factory.LazyAttribute(lambda o: history.next_reference(o.area, o.year))
    number = factory.LazyAttribute(lambda o: o.numbering[0])
    reference = factory.LazyAttribute(lambda o: o.numbering[1])
    language = "de"
    applicant_kind = "initiative"
    applicant_name = factory.LazyAttribute(lambda o: f"Antragsteller {o.number}")
    organisation = factory.LazyAttribute(lambda o: f"Initiative {o.number}")
    email = factory.LazyAttribute(lambda o: f"applicant{o.number}@example.org")
    address = "Soldiner Str. 1"
    title = "Hoffest"
    description = factory.LazyAttribute(lambda o: f"{o.title}: Beschreibung")
    # Far enough ahead for every fund's lead time.
    start_date = factory.LazyAttribute(lambda o: clock.area_today(o.area) + timedelta(days=40))
    end_date = factory.SelfAttribute("start_date")
    requested_cents = 50_000
    total_cents = factory.SelfAttribute("requested_cents")
    declared_not_started = True
    declared_no_own_fee = True
    consent_processing = True
    cost_items = factory.LazyAttribute(
        lambda o: [
            CostItem(
                position=1,
                description="Material",
                category="material",
                quantity=1,
                unit_cents=o.requested_cents,
                total_cents=o.requested_cents,
            ),
        ]
    )

    @factory.post_generation
    def reviewed(application, create, extracted, **kwargs):
        """Submitted by its applicant, then moved to ready by `reviewed=<actor>` (the system)."""
        if not create:
            return
        history.record(application, "submitted", actor=Actor.applicant(), to_state=State.SUBMITTED)
        history.transition(
            application, State.READY, actor=extracted or SYSTEM, note="Formal geprüft."
        )


FACTORIES = (
    AreaFactory,
    BodyFactory,
    MemberFactory,
    FundYearFactory,
    FundFactory,
    StaffFactory,
    ApplicationFactory,
)


def reset_sequences() -> None:
    """Number generated values from 1 again (AdminFactory shares StaffFactory's counter)."""
    for factory_class in FACTORIES:
        factory_class.reset_sequence()
