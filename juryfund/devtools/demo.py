"""A realistic demo installation: two areas, three funds, a jury each, a council, a dozen applications."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import NamedTuple

from PIL import Image, ImageDraw
from sqlalchemy import select

from ..domain.actors import Actor
from ..domain.budget import EntryKind
from ..domain.states import State
from ..domain.vocabulary import COST_CATEGORIES
from ..domain.voting import Majority, VotingRule
from ..extensions import db
from ..infra import clock
from ..models import Application, Area, Body, CostItem, Fund, Round, StaffUser
from ..services import (
    accounts,
    areatexts,
    ballots,
    decisions,
    history,
    ledger,
    places,
    privacy,
    rounds,
    sessions,
    setup,
    stories,
)

ADMIN = ("admin@juryfund.example", "demo-admin-2026")
STAFF = ("qm-soldiner@juryfund.example", "demo-staff-2026")

# The tables in this module keep several values or one record a line; the formatter would give
# every value a line of its own.
# fmt: off
#: People of the demo: the k-th first name goes with the k-th language; last names are mixed in.
FIRST_NAMES = ["Ayşe", "Jonas", "Fatima", "Olena", "Marek", "Sabine", "Mehmet", "Irina", "Lukas",
               "Hanna", "Yusuf", "Petra", "Dmytro", "Leyla", "Tobias", "Agnieszka", "Karim"]
LAST_NAMES = ["Yılmaz", "Becker", "Haddad", "Kovalenko", "Nowak", "Schulz", "Demir", "Volkova",
              "Wagner", "Krüger", "Aydın", "Lehmann", "Bondarenko", "Şahin", "Richter",
              "Wiśniewska", "Nasser"]
LANGS = ["de", "tr", "ar", "uk", "pl", "de", "tr", "ru", "de", "de", "ar", "de", "uk", "tr", "de",
         "pl", "ar"]
# fmt: on

ACTION_FIELDS = (
    "Nachbarschaft und Zusammenleben\nBildung\nUmwelt und Grün\nKultur\nGesundheit und Sport"
)
MEETING_PLACE = "Nachbarschaftsetage, Osloer Str. 12"
#: What the funds pay for: never fees for the applicants themselves; "other" only in the larger one.
SMALL_COSTS = tuple(c for c in COST_CATEGORIES if c not in ("applicant_fee", "other"))
ALL_BUT_FEES = tuple(c for c in COST_CATEGORIES if c != "applicant_fee")


class DemoArea(NamedTuple):
    """An area of the demo, as its QM team would describe it."""

    name: str
    slug: str
    code: str
    city: str
    languages: list[str]
    description: str


class DemoBody(NamedTuple):
    """A deciding body: "{area}" in the name stands for the area's name."""

    kind: str
    name: str
    rule: VotingRule
    members: int


class DemoFund(NamedTuple):
    """A fund with its rules and the allocation of its first year, in cents."""

    kind: str
    name: str
    cap_cents: int
    minimum_cents: int
    lead_time_days: int
    carry_over: bool
    proof_weeks: int
    allocation_cents: int
    categories: tuple[str, ...]
    description: str
    #: Fund rules (domain.fundrules); the defaults apply none of them.
    own_share_bp: int = 0
    hour_rate_cents: int = 0
    fee_rule: str = "allowed"
    fee_cap_cents: int | None = None
    fee_cap_bp: int | None = None
    allowance_bp: int = 0


class DemoApplication(NamedTuple):
    """An application, the state the demo takes it to, and its cost plan."""

    title: str
    kind: str
    organisation: str
    language: str
    state: State
    requested_cents: int
    #: (description, category, quantity, unit price in cents)
    cost_lines: list[tuple[str, str, int, int]]


# fmt: off
SOLDINER = DemoArea("Soldiner Kiez", "soldiner-kiez", "SOL", "Berlin", ["de", "en", "tr", "ar", "uk", "ru", "pl"], "Der Aktionsfonds unterstützt kleine Aktionen von Bewohnerinnen und Bewohnern im Soldiner Kiez (Berlin-Wedding). Über die Anträge entscheidet die Aktionsfondsjury.")
LERCHENBERG = DemoArea("Lerchenberg", "lerchenberg", "LER", "Mainz", ["de", "en", "ru", "uk", "pl"], "Der Verfügungsfonds des Stadtteils Lerchenberg fördert Ideen aus der Nachbarschaft.")

JURY = DemoBody("jury", "Aktionsfondsjury {area}", VotingRule(), members=7)
COUNCIL = DemoBody("council", "Quartiersrat {area}", VotingRule(Fraction(2, 3), quorum_strict=False, majority=Majority.TWO_THIRDS), members=15)

#: kind, name, cap, minimum, lead time (days), carry-over, proof due (weeks), allocation, categories, description
ACTION_FUND = DemoFund("action_fund", "Aktionsfonds", 150_000, 0, 14, False, 4, 1_000_000, SMALL_COSTS, "Bis zu 1.500 € für Aktionen von Nachbarinnen und Nachbarn.")
#: Configured like Aachen's Verfügungsfonds (FACTS.md): at least 10 % own contribution, a volunteer
#: hour counts 10 €, fees for others up to 300 €, and 3 % of the proven costs as a flat allowance.
AACHEN_LIKE_FUND = ACTION_FUND._replace(name="Verfügungsfonds", categories=SMALL_COSTS, description="Bis zu 1.500 € für Ideen aus der Nachbarschaft. Eigenanteil mindestens 10 % der Kosten, als Geld oder ehrenamtliche Stunden (10 € je Stunde); Honorare für andere bis 300 €; 3 % der nachgewiesenen Kosten als Pauschale für eigene Kosten.", own_share_bp=1000, hour_rate_cents=1000, fee_rule="capped", fee_cap_cents=30_000, allowance_bp=300)
NEIGHBOURHOOD_FUND = DemoFund("neighbourhood_fund", "Quartiersfonds", 5_000_000, 500_000, 42, True, 8, 6_000_000, ALL_BUT_FEES, "Größere Projekte ab 5.000 €, über die der Quartiersrat entscheidet.")

#: title, applicant kind, organisation, language, demo state, requested cents, cost lines
SOLDINER_ACTIONS = [
    DemoApplication("Hoffest in der Koloniestraße", "initiative", "Hofgemeinschaft Koloniestraße 10", "de", State.SETTLED, 57000, [("Bierbankgarnituren (Miete)", "rent", 4, 2500), ("Zutaten Kuchenbuffet", "catering", 1, 12000), ("Musiker Live-Set", "services", 1, 40000)]),
    DemoApplication("Pflanzaktion Baumscheiben Soldiner Straße", "person", "", "tr", State.APPROVED, 48000, [("Blumenerde, 40 Sack", "material", 40, 450), ("Stauden", "material", 60, 380), ("Gießkannen", "equipment", 6, 1200)]),
    DemoApplication("Nähwerkstatt für Nachbarinnen", "association", "Frauentreff Soldiner Kiez e.V.", "ar", State.APPROVED, 53000, [("Stoffe und Garn", "consumables", 1, 35000), ("Nähmaschinen-Wartung", "services", 2, 9000)]),
    DemoApplication("Kiez-Kino im Sommer", "initiative", "Kinoinitiative Panke", "de", State.REJECTED, 46000, [("Beamer-Miete", "rent", 3, 8000), ("Leinwand", "equipment", 1, 22000)]),
    DemoApplication("Lesepatenschaften Grundschule", "initiative", "Lesepat*innen Wedding", "uk", State.SCHEDULED, 45000, [("Kinderbücher", "material", 30, 1200), ("Plakate", "publicity", 1, 9000)]),
    DemoApplication("Fahrrad-Reparaturtag", "person", "", "de", State.READY, 45000, [("Ersatzteile", "material", 1, 30000), ("Werkzeugset", "equipment", 1, 15000)]),
    DemoApplication("Nachbarschaftsfrühstück", "initiative", "Nachbarschaftsetage", "pl", State.SUBMITTED, 30000, [("Lebensmittel", "catering", 1, 25000), ("Geschirr-Miete", "rent", 1, 5000)]),
    DemoApplication("Graffiti-Workshop für Jugendliche", "association", "Jugendkunst e.V.", "de", State.RETURNED, 112000, [("Sprühdosen", "consumables", 80, 650), ("Workshopleitung", "services", 1, 60000)]),
    DemoApplication("Honorar für unsere eigene Moderation", "person", "", "ru", State.INELIGIBLE, 50000, [("Moderation durch die Antragstellerin", "applicant_fee", 1, 50000)]),
    DemoApplication("Spielplatzfest", "initiative", "Elterninitiative Pankstraße", "tr", State.WITHDRAWN, 43000, [("Hüpfburg-Miete", "rent", 1, 35000), ("Preise", "material", 1, 8000)]),
]
LERCHENBERG_ACTIONS = [
    DemoApplication("Seniorencafé am Hindemithweg", "initiative", "Café-Team Lerchenberg", "de", State.READY, 36000, [("Kaffee und Kuchen", "catering", 10, 3000), ("Tischdecken", "material", 1, 6000)]),
    DemoApplication("Sprachcafé Deutsch–Ukrainisch", "person", "", "uk", State.SUBMITTED, 33000, [("Lernmaterial", "material", 1, 18000), ("Raummiete", "rent", 6, 2500)]),
    DemoApplication("Trommelworkshop im Stadtteiltreff", "initiative", "Trommelgruppe Lerchenberg", "de", State.SUBMITTED, 33000, [("Workshopleitung (Honorar)", "fee", 1, 25000), ("Leihtrommeln", "rent", 1, 8000)]),
]

#: Places on the map: latitude, longitude, kind, whether the applicant agreed to show it. The
#: courtyard is a private address shown with consent; the sewing workshop's rooms are a private
#: address without it (staff see the pin, the public does not); the rejected cinema never shows.
DEMO_PLACES = {
    "Hoffest in der Koloniestraße": ("52.557310", "13.377290", "private", True),
    "Pflanzaktion Baumscheiben Soldiner Straße": ("52.558870", "13.374520", "public", False),
    "Nähwerkstatt für Nachbarinnen": ("52.556210", "13.380140", "private", False),
    "Kiez-Kino im Sommer": ("52.555030", "13.376010", "public", False),
}

#: The review step (and its note) that takes an application towards its demo state; every
#: state not listed but "submitted" goes through "ready".
REVIEW_STEPS = {
    State.RETURNED: "Bitte die Kosten für die Workshopleitung mit einem Angebot belegen.",
    State.INELIGIBLE: "Honorare für die Antragstellenden selbst sind nicht förderfähig.",
    State.WITHDRAWN: "Das Fest findet nicht statt.",
}

#: Rounds still to come: body, mode, title, days from today, hour, place, yes votes cast so far
#: (None: the round is still being prepared). An open round takes the scheduled applications.
UPCOMING_ROUNDS = [
    ("jury", "circulation", "Umlaufverfahren November", 10, 18, "", 3),
    ("jury", "meeting", "Jurysitzung Dezember", 24, 17, MEETING_PLACE, None),
    ("council", "meeting", "Sitzung des Quartiersrats", 31, 18, "Stadtteilzentrum Pankstraße", None),
]
#: Announced jury sessions per fund: days from today the body meets, days before that
#: applications are due. Relative to today, so the demo always shows coming deadlines.
SESSIONS = {
    "jury": [(24, 9), (52, 9), (80, 9)],
    "council": [(31, 14), (94, 14)],
}
# fmt: on


def _at(day: date, hour: int = 10) -> datetime:
    """A UTC datetime on a day, for realistic timestamps."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _members(body: Body, count: int, offset: int, term_start: date) -> None:
    """Add `count` members with varied names and languages to a body."""
    for i in range(count):
        k = (offset + i) % len(FIRST_NAMES)
        name = f"{FIRST_NAMES[k]} {LAST_NAMES[(k * 7 + offset) % len(LAST_NAMES)]}"
        email = f"{body.kind}{body.id}.member{i + 1}@juryfund.example"
        role = "institution" if body.kind == "council" and i % 3 == 2 else "resident"
        setup.save_member(
            None,
            body,
            name=name,
            email=email,
            language=LANGS[k],
            role=role,
            term_start=term_start,
            term_end=None,
        )


def _set_up_area(
    spec: DemoArea, actor: StaffUser, fund_spec: DemoFund = ACTION_FUND
) -> tuple[Area, Body, Fund]:
    """One area with its Aktionsfonds, fund year and 7-member jury."""
    area = setup.save_area(
        None,
        name=spec.name,
        slug=spec.slug,
        code=spec.code,
        city=spec.city,
        timezone="Europe/Berlin",
        languages=spec.languages,
        description=spec.description,
        action_fields=ACTION_FIELDS,
        contact_email=f"qm@{spec.slug}.example",
    )
    jury, fund = _set_up_fund(area, JURY, fund_spec, len(spec.slug), actor)
    return area, jury, fund


def _set_up_fund(
    area: Area, body_spec: DemoBody, spec: DemoFund, member_offset: int, actor: StaffUser
) -> tuple[Body, Fund]:
    """A body with its members, the fund it decides, and the fund's current year."""
    rule = body_spec.rule
    body = setup.save_body(
        None,
        area,
        kind=body_spec.kind,
        name=body_spec.name.format(area=area.name),
        quorum=rule.quorum,
        quorum_strict=rule.quorum_strict,
        quorum_minimum=rule.quorum_minimum,
        majority=rule.majority.value,
        abstain_counts_as_no=rule.abstain_counts_as_no,
        tie_breaker=None,
    )
    _members(body, body_spec.members, member_offset, date(clock.today_in(None).year - 1, 3, 1))
    fund = setup.save_fund(
        None,
        area,
        kind=spec.kind,
        name=spec.name,
        body=body,
        cap_cents=spec.cap_cents,
        minimum_cents=spec.minimum_cents,
        lead_time_days=spec.lead_time_days,
        eligible_categories=list(spec.categories),
        carry_over=spec.carry_over,
        proof_weeks=spec.proof_weeks,
        description=spec.description,
        own_share_bp=spec.own_share_bp,
        hour_rate_cents=spec.hour_rate_cents,
        fee_rule=spec.fee_rule,
        fee_cap_cents=spec.fee_cap_cents,
        fee_cap_bp=spec.fee_cap_bp,
        allowance_bp=spec.allowance_bp,
    )
    setup.open_fund_year(
        fund,
        year=clock.today_in(None).year,
        allocation_cents=spec.allocation_cents,
        actor=actor.actor,
    )
    return body, fund


def _application(
    area: Area, fund: Fund, row: DemoApplication, number_offset: int, actor: StaffUser
) -> Application:
    """Create one application as a resident would have submitted it."""
    today = clock.today_in(None)
    k = number_offset % len(FIRST_NAMES)
    number, reference = history.next_reference(area, today.year)
    start = today + timedelta(days=30 + 7 * number_offset)
    app = Application(
        area_id=area.id,
        fund_id=fund.id,
        year=today.year,
        number=number,
        reference=reference,
        language=row.language,
        applicant_kind=row.kind,
        applicant_name=f"{FIRST_NAMES[k]} {LAST_NAMES[k]}",
        organisation=row.organisation,
        email=f"applicant{number_offset + 1}@juryfund.example",
        address=f"Soldiner Str. {10 + number_offset}, 13359 Berlin",
        lives_or_acts_in_area=True,
        title=row.title,
        description=f"{row.title}: eine Aktion von Nachbarinnen und Nachbarn für den Kiez.",
        goals="\n".join(area.action_field_list[:2]),
        target_group="Nachbarschaft, alle Altersgruppen",
        place=area.name,
        start_date=start,
        end_date=start,
        participants=40 + 5 * number_offset,
        volunteer_hours=12,
        in_kind="Aufbau, Abbau und Werbung ehrenamtlich",
        requested_cents=row.requested_cents,
        declared_not_started=True,
        declared_no_own_fee=True,
        consent_processing=True,
        consent_publish_name=number_offset % 2 == 0,
        submitted_at=_at(today - timedelta(days=40 - number_offset)),
    )
    app.cost_items = [
        CostItem(
            position=i + 1, description=d, category=c, quantity=q, unit_cents=u, total_cents=q * u
        )
        for i, (d, c, q, u) in enumerate(row.cost_lines)
    ]
    app.total_cents = sum(item.total_cents for item in app.cost_items)
    db.session.add(app)
    db.session.flush()
    history.record(
        app, "submitted", actor=Actor.applicant(), to_state=State.SUBMITTED
    ).at = app.submitted_at
    history.add_note(app, "Eingang bestätigt.", actor=actor.actor, internal=True)
    return app


def _save_round(
    body: Body, mode: str, title: str, when: datetime, place: str, staff: StaffUser
) -> Round:
    """A new round of a body, prepared by staff."""
    return rounds.save_round(
        None, body, mode=mode, title=title, when=when, place=place, actor=staff.actor
    )


#: Why the demo jury rejected an application (the rejection letter states it).
DEMO_REJECTION_REASONS = (
    "Die Jury fördert in diesem Jahr keine reinen Filmvorführungen; die Mittel reichen nur für "
    "Aktionen, bei denen Nachbarinnen und Nachbarn selbst mitmachen."
)


def _past_meeting(jury: Body, apps: list[tuple[Application, State]], staff: StaffUser) -> None:
    """A jury meeting three weeks ago, recorded with the real services: votes, decisions, books."""
    when = _at(clock.today_in(None) - timedelta(days=21), 17)
    round_ = _save_round(jury, "meeting", "Jurysitzung Oktober", when, MEETING_PLACE, staff)
    rounds.set_agenda(round_, [app.id for app, _target in apps])
    rounds.open_round(round_, actor=staff.actor, now=when - timedelta(days=10))
    for participant in round_.participants[:6]:
        ballots.set_presence(participant, True, actor=staff.actor)
    for item, (_app, target) in zip(round_.agenda, apps, strict=True):
        yes = 2 if target is State.REJECTED else 5
        for i, participant in enumerate(round_.participants[:6]):
            ballots.cast_vote(participant, item, "yes" if i < yes else "no", actor=staff.actor)
    rounds.close_round(round_, actor=staff.actor, now=when + timedelta(hours=2))
    for item, (app, target) in zip(round_.agenda, apps, strict=True):
        if item.result == "rejected":
            decisions.confirm_rejection(item, reasons=DEMO_REJECTION_REASONS, actor=staff.actor)
        if item.result != "approved":
            continue
        decisions.confirm_approval(
            item, amount_cents=app.requested_cents, conditions="", actor=staff.actor
        )
        if target is State.SETTLED:
            _settle(app, spent=app.requested_cents - 8000, staff=staff)


def _settle(app: Application, *, spent: int, staff: StaffUser) -> None:
    """Reimburse what the receipts show, release the rest of the commitment, settle."""
    fund_year = decisions.fund_year_for(app)
    ledger.book(
        fund_year,
        EntryKind.PAYMENT,
        spent,
        application=app,
        actor=staff.actor,
        payment_type="reimbursement",
        note="Erstattung nach Belegen",
    )
    ledger.book(
        fund_year,
        EntryKind.RELEASE,
        app.requested_cents - spent,
        application=app,
        actor=staff.actor,
        note="Nicht verbrauchter Teil",
    )
    history.transition(app, State.SETTLED, actor=staff.actor, note="Verwendungsnachweis geprüft.")


def seed_demo() -> str:
    """Create the demo data unless it is there; returns what to tell the person who ran it."""
    if db.session.scalar(select(Area.id).where(Area.slug == "soldiner-kiez")) is None:
        _seed()
    return (
        "Demo data is ready.\n"
        f"  Admin login: {ADMIN[0]} / {ADMIN[1]}\n"
        f"  Staff login (Soldiner Kiez): {STAFF[0]} / {STAFF[1]}\n"
    )


def _seed() -> None:
    """Build the whole demo installation."""
    admin = accounts.find_staff_by_email(ADMIN[0]) or accounts.create_staff(
        email=ADMIN[0], name="Demo Admin", password=ADMIN[1], role="admin"
    )
    soldiner, jury, action_fund = _set_up_area(SOLDINER, admin)
    lerchenberg, _jury2, action_fund2 = _set_up_area(LERCHENBERG, admin, AACHEN_LIKE_FUND)
    staff = accounts.find_staff_by_email(STAFF[0]) or accounts.create_staff(
        email=STAFF[0], name="QM-Team Soldiner Kiez", password=STAFF[1], areas=[soldiner]
    )
    council, _quartiersfonds = _set_up_fund(soldiner, COUNCIL, NEIGHBOURHOOD_FUND, 3, admin)
    _write_texts(soldiner, action_fund, staff)

    apps = [
        (_application(soldiner, action_fund, row, i, staff), row.state)
        for i, row in enumerate(SOLDINER_ACTIONS)
    ]
    apps += [
        (_application(lerchenberg, action_fund2, row, i + 20, admin), row.state)
        for i, row in enumerate(LERCHENBERG_ACTIONS)
    ]
    for app, target in apps:
        _walk_to_review(app, target, staff)

    _past_meeting(
        jury,
        [(a, t) for a, t in apps if t in (State.SETTLED, State.APPROVED, State.REJECTED)],
        staff,
    )
    _pin_places(apps, staff)
    bodies = {"jury": jury, "council": council}
    today = clock.today_in(None)
    for kind, fund in (("jury", action_fund), ("jury", action_fund2), ("council", _quartiersfonds)):
        for days, due in SESSIONS[kind]:
            meets_on = today + timedelta(days=days)
            sessions.add_session(
                fund,
                meets_on=meets_on,
                apply_by=meets_on - timedelta(days=due),
                place=MEETING_PLACE if kind == "jury" else "Stadtteilzentrum Pankstraße",
                actor=staff.actor if fund.area_id == soldiner.id else admin.actor,
            )
    for body, mode, title, days, hour, place, yes_votes in UPCOMING_ROUNDS:
        round_ = _save_round(
            bodies[body], mode, title, _at(today + timedelta(days=days), hour), place, staff
        )
        if yes_votes is None:
            continue
        rounds.set_agenda(round_, [a.id for a, t in apps if t is State.SCHEDULED])
        rounds.open_round(round_, actor=staff.actor)
        for participant in round_.participants[:yes_votes]:
            ballots.cast_vote(participant, round_.agenda[0], "yes")
    settled = [a for a, t in apps if t is State.SETTLED and a.area_id == soldiner.id]
    if settled:
        _tell_story(settled[0], staff)
    db.session.flush()


def _pin_places(apps: list[tuple[Application, State]], staff: StaffUser) -> None:
    """Pins on the map: public places, a private courtyard shown with consent, one without."""
    by_title = {app.title: app for app, _state in apps}
    for title, (latitude, longitude, kind, consent) in DEMO_PLACES.items():
        app = by_title[title]
        places.set_pin(app, latitude=latitude, longitude=longitude, kind=kind, actor=staff.actor)
        if consent:
            privacy.give_consent(
                app, privacy.Consent.SHOW_PLACE, actor=Actor.applicant(app.reference)
            )


def _tell_story(app: Application, staff: StaffUser) -> None:
    """The applicant's story of a settled action with two drawn photos, approved by staff."""
    stories.save(
        app,
        text=(
            "Am Samstag kamen über dreißig Nachbarinnen und Nachbarn. Zusammen haben wir die "
            "Baumscheiben bepflanzt; die Kinder aus dem Hort gießen sie seitdem jeden Tag."
        ),
        consent=True,
        photos=[
            stories.NewPhoto(
                _drawing("#3a7d44", "#f2c14e"),
                "Frisch bepflanzte Baumscheibe mit Blumen vor einem Altbau",
                field="new_photos-0-file",
            ),
            stories.NewPhoto(
                _drawing("#8c5a3c", "#7fb7e6"),
                "Kinder mit Gießkannen an der Baumscheibe",
                field="new_photos-1-file",
            ),
        ],
        actor=Actor.applicant(app.reference),
    )
    stories.approve(app, actor=staff.actor)


def _drawing(ground: str, sky: str) -> bytes:
    """A simple drawn picture (ground, sky and sun) as a JPEG, standing in for a photo."""
    image = Image.new("RGB", (1200, 800), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 520, 1200, 800), fill=ground)
    draw.ellipse((900, 80, 1060, 240), fill="#fff3b0")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _write_texts(area: Area, fund: Fund, staff: StaffUser) -> None:
    """The Soldiner Kiez texts: German throughout, some in Turkish and Arabic, the rest "only in
    German" on those pages."""
    texts: dict[tuple[str, int | None, str], str] = {
        ("de", None, "goals"): "Nachbarschaft stärken, Begegnungen zwischen Generationen und "
        "Kulturen fördern, den öffentlichen Raum gemeinsam gestalten.",
        ("de", None, "contact_info"): "Quartiersbüro, Koloniestraße 129, 13359 Berlin\n"
        "Sprechzeiten: Di 10–13 Uhr, Do 15–18 Uhr\nTelefon 030 1234567",
        ("de", None, "meeting_places"): f"Die Jury tagt in der {MEETING_PLACE}; der Quartiersrat "
        "im Stadtteilzentrum Pankstraße.",
        ("de", fund.id, "eligibility_hints"): "Anträge stellen können Bewohnerinnen und Bewohner, "
        "Initiativen und Vereine aus dem Kiez. Gefördert werden Material, Mieten und Honorare "
        "für andere, keine Honorare für die Antragstellenden selbst.",
        ("tr", None, "description"): "Aksiyon Fonu, Soldiner Kiez'de (Berlin-Wedding) oturanların "
        "küçük etkinliklerini destekler. Başvurular hakkında Aksiyon Fonu jürisi karar verir.",
        ("tr", None, "goals"): "Komşuluğu güçlendirmek, kuşaklar ve kültürler arasındaki "
        "buluşmaları desteklemek, kamusal alanı birlikte şekillendirmek.",
        ("tr", fund.id, "eligibility_hints"): "Mahalledeki sakinler, girişimler ve dernekler "
        "başvurabilir. Malzeme, kira ve başkalarına ödenen ücretler desteklenir; başvuranların "
        "kendilerine ücret ödenmez.",
        ("ar", None, "description"): "يدعم صندوق المبادرات الأنشطة الصغيرة التي يقوم بها سكان حي "
        "زولدينر (برلين-فيدينغ). تقرّر لجنة صندوق المبادرات بشأن الطلبات.",
    }
    areatexts.save_texts(area, texts, actor=staff.actor)


def _walk_to_review(app: Application, target: State, actor: StaffUser) -> None:
    """Move an application through the formal review towards its demo state."""
    if target is State.SUBMITTED:
        return  # still waiting for the review
    step = target if target in REVIEW_STEPS else State.READY
    # The applicant withdraws; every other step is the QM team's formal review.
    who = Actor.applicant() if step is State.WITHDRAWN else actor.actor
    history.transition(app, step, actor=who, note=REVIEW_STEPS.get(step, "Formal geprüft."))
