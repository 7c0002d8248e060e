"""A realistic demo installation: two areas, three funds, a jury each, a council, a dozen applications."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from sqlalchemy import select

from ..domain.budget import EntryKind
from ..domain.states import State
from ..extensions import db
from ..models import (
    Application,
    Area,
    CostItem,
    StaffUser,
)
from ..services import accounts, ballots, decisions, history, ledger, rounds, setup

ADMIN = ("admin@juryfund.example", "demo-admin-2026")
STAFF = ("qm-soldiner@juryfund.example", "demo-staff-2026")

FIRST_NAMES = [
    "Ayşe",
    "Jonas",
    "Fatima",
    "Olena",
    "Marek",
    "Sabine",
    "Mehmet",
    "Irina",
    "Lukas",
    "Hanna",
    "Yusuf",
    "Petra",
    "Dmytro",
    "Leyla",
    "Tobias",
    "Agnieszka",
    "Karim",
]
LAST_NAMES = [
    "Yılmaz",
    "Becker",
    "Haddad",
    "Kovalenko",
    "Nowak",
    "Schulz",
    "Demir",
    "Volkova",
    "Wagner",
    "Krüger",
    "Aydın",
    "Lehmann",
    "Bondarenko",
    "Şahin",
    "Richter",
    "Wiśniewska",
    "Nasser",
]
LANGS = [
    "de",
    "tr",
    "ar",
    "uk",
    "pl",
    "de",
    "tr",
    "ru",
    "de",
    "de",
    "ar",
    "de",
    "uk",
    "tr",
    "de",
    "pl",
    "ar",
]

#: (title, applicant kind, organisation, cost lines, requested €, final state, language)
SOLDINER_ACTIONS = [
    (
        "Hoffest in der Koloniestraße",
        "initiative",
        "Hofgemeinschaft Koloniestraße 10",
        [
            ("Bierbankgarnituren (Miete)", "rent", 4, 2500),
            ("Zutaten Kuchenbuffet", "catering", 1, 12000),
            ("Musiker Live-Set", "services", 1, 40000),
        ],
        57000,
        State.SETTLED,
        "de",
    ),
    (
        "Pflanzaktion Baumscheiben Soldiner Straße",
        "person",
        "",
        [
            ("Blumenerde, 40 Sack", "material", 40, 450),
            ("Stauden", "material", 60, 380),
            ("Gießkannen", "equipment", 6, 1200),
        ],
        48000,
        State.APPROVED,
        "tr",
    ),
    (
        "Nähwerkstatt für Nachbarinnen",
        "association",
        "Frauentreff Soldiner Kiez e.V.",
        [
            ("Stoffe und Garn", "consumables", 1, 35000),
            ("Nähmaschinen-Wartung", "services", 2, 9000),
        ],
        53000,
        State.APPROVED,
        "ar",
    ),
    (
        "Kiez-Kino im Sommer",
        "initiative",
        "Kinoinitiative Panke",
        [("Beamer-Miete", "rent", 3, 8000), ("Leinwand", "equipment", 1, 22000)],
        46000,
        State.REJECTED,
        "de",
    ),
    (
        "Lesepatenschaften Grundschule",
        "initiative",
        "Lesepat*innen Wedding",
        [("Kinderbücher", "material", 30, 1200), ("Plakate", "publicity", 1, 9000)],
        45000,
        State.SCHEDULED,
        "uk",
    ),
    (
        "Fahrrad-Reparaturtag",
        "person",
        "",
        [("Ersatzteile", "material", 1, 30000), ("Werkzeugset", "equipment", 1, 15000)],
        45000,
        State.READY,
        "de",
    ),
    (
        "Nachbarschaftsfrühstück",
        "initiative",
        "Nachbarschaftsetage",
        [("Lebensmittel", "catering", 1, 25000), ("Geschirr-Miete", "rent", 1, 5000)],
        30000,
        State.SUBMITTED,
        "pl",
    ),
    (
        "Graffiti-Workshop für Jugendliche",
        "association",
        "Jugendkunst e.V.",
        [("Sprühdosen", "consumables", 80, 650), ("Workshopleitung", "services", 1, 60000)],
        112000,
        State.RETURNED,
        "de",
    ),
    (
        "Honorar für unsere eigene Moderation",
        "person",
        "",
        [("Moderation durch die Antragstellerin", "applicant_fee", 1, 50000)],
        50000,
        State.INELIGIBLE,
        "ru",
    ),
    (
        "Spielplatzfest",
        "initiative",
        "Elterninitiative Pankstraße",
        [("Hüpfburg-Miete", "rent", 1, 35000), ("Preise", "material", 1, 8000)],
        43000,
        State.WITHDRAWN,
        "tr",
    ),
]
LERCHENBERG_ACTIONS = [
    (
        "Seniorencafé am Hindemithweg",
        "initiative",
        "Café-Team Lerchenberg",
        [("Kaffee und Kuchen", "catering", 10, 3000), ("Tischdecken", "material", 1, 6000)],
        36000,
        State.READY,
        "de",
    ),
    (
        "Sprachcafé Deutsch–Ukrainisch",
        "person",
        "",
        [("Lernmaterial", "material", 1, 18000), ("Raummiete", "rent", 6, 2500)],
        33000,
        State.SUBMITTED,
        "uk",
    ),
]


def _at(day: date, hour: int = 10) -> datetime:
    """A UTC datetime on a day, for realistic timestamps."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _members(body, count: int, offset: int, term_start: date) -> None:
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


def _set_up_area(name, slug, code, city, languages, action_fields, description, actor):
    """One area with its Aktionsfonds, fund year and 7-member jury."""
    area = setup.save_area(
        None,
        name=name,
        slug=slug,
        code=code,
        city=city,
        timezone="Europe/Berlin",
        languages=languages,
        description=description,
        action_fields=action_fields,
        contact_email=f"qm@{slug}.example",
    )
    jury = setup.save_body(
        None,
        area,
        kind="jury",
        name=f"Aktionsfondsjury {name}",
        quorum=Fraction(1, 2),
        quorum_strict=True,
        quorum_minimum=3,
        majority="simple",
        abstain_counts_as_no=False,
        tie_breaker=None,
    )
    term_start = date(date.today().year - 1, 3, 1)
    _members(jury, 7, len(slug), term_start)
    fund = setup.save_fund(
        None,
        area,
        kind="action_fund",
        name="Aktionsfonds",
        body=jury,
        cap_cents=150000,
        minimum_cents=0,
        lead_time_days=14,
        eligible_categories=[
            "material",
            "consumables",
            "services",
            "rent",
            "publicity",
            "catering",
            "transport",
            "equipment",
        ],
        carry_over=False,
        proof_weeks=4,
        description="Bis zu 1.500 € für Aktionen von Nachbarinnen und Nachbarn.",
    )
    setup.open_fund_year(fund, year=date.today().year, allocation_cents=1_000_000, actor=actor)
    return area, jury, fund


def _application(area, fund, row, number_offset, actor) -> Application:
    """Create one application as a resident would have submitted it."""
    title, kind, organisation, lines, requested, _state, language = row
    today = date.today()
    k = number_offset % len(FIRST_NAMES)
    number, reference = history.next_reference(area, today.year)
    start = today + timedelta(days=30 + 7 * number_offset)
    app = Application(
        area_id=area.id,
        fund_id=fund.id,
        year=today.year,
        number=number,
        reference=reference,
        language=language,
        applicant_kind=kind,
        applicant_name=f"{FIRST_NAMES[k]} {LAST_NAMES[k]}",
        organisation=organisation,
        email=f"applicant{number_offset + 1}@juryfund.example",
        address=f"Soldiner Str. {10 + number_offset}, 13359 Berlin",
        lives_or_acts_in_area=True,
        title=title,
        description=f"{title}: eine Aktion von Nachbarinnen und Nachbarn für den Kiez.",
        goals="\n".join(area.action_field_list[:2]),
        target_group="Nachbarschaft, alle Altersgruppen",
        place="Soldiner Kiez" if area.code == "SOL" else "Lerchenberg",
        start_date=start,
        end_date=start,
        participants=40 + 5 * number_offset,
        volunteer_hours=12,
        in_kind="Aufbau, Abbau und Werbung ehrenamtlich",
        requested_cents=requested,
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
        for i, (d, c, q, u) in enumerate(lines)
    ]
    app.total_cents = sum(item.total_cents for item in app.cost_items)
    db.session.add(app)
    db.session.flush()
    history.record(
        app, "submitted", actor_kind="applicant", to_state=State.SUBMITTED
    ).at = app.submitted_at
    history.add_note(app, "Eingang bestätigt.", actor=actor, internal=True)
    return app


def _past_meeting(jury, apps, staff) -> None:
    """A jury meeting three weeks ago, recorded with the real services: votes, decisions, books."""
    when = _at(date.today() - timedelta(days=21), 17)
    round_ = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung Oktober",
        when=when,
        place="Nachbarschaftsetage, Osloer Str. 12",
        actor=staff,
    )
    rounds.set_agenda(round_, [app.id for app, _target in apps])
    rounds.open_round(round_, actor=staff, now=when - timedelta(days=10))
    for participant in round_.participants[:6]:
        ballots.set_presence(participant, True)
    for item, (_app, target) in zip(round_.agenda, apps, strict=True):
        yes = 2 if target is State.REJECTED else 5
        for i, participant in enumerate(round_.participants[:6]):
            ballots.cast_vote(participant, item, "yes" if i < yes else "no", recorded_by=staff)
    rounds.close_round(round_, actor=staff, now=when + timedelta(hours=2))
    for item, (app, target) in zip(round_.agenda, apps, strict=True):
        if item.result != "approved":
            continue
        decisions.confirm_approval(
            item, amount_cents=app.requested_cents, conditions="", actor=staff
        )
        if target is State.SETTLED:
            fund_year = decisions.fund_year_for(app)
            spent = app.requested_cents - 8000
            ledger.book(
                fund_year,
                EntryKind.PAYMENT,
                spent,
                application=app,
                actor=staff,
                payment_type="reimbursement",
                note="Erstattung nach Belegen",
            )
            ledger.book(
                fund_year,
                EntryKind.RELEASE,
                app.requested_cents - spent,
                application=app,
                actor=staff,
                note="Nicht verbrauchter Teil",
            )
            history.transition(
                app,
                State.SETTLED,
                actor_kind="staff",
                actor=staff,
                note="Verwendungsnachweis geprüft.",
            )


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
    fields = (
        "Nachbarschaft und Zusammenleben\nBildung\nUmwelt und Grün\nKultur\nGesundheit und Sport"
    )
    soldiner, jury, action_fund = _set_up_area(
        "Soldiner Kiez",
        "soldiner-kiez",
        "SOL",
        "Berlin",
        ["de", "en", "tr", "ar", "uk", "ru", "pl"],
        fields,
        "Der Aktionsfonds unterstützt kleine Aktionen von Bewohnerinnen und Bewohnern im Soldiner Kiez "
        "(Berlin-Wedding). Über die Anträge entscheidet die Aktionsfondsjury.",
        admin,
    )
    lerchenberg, _jury2, action_fund2 = _set_up_area(
        "Lerchenberg",
        "lerchenberg",
        "LER",
        "Mainz",
        ["de", "en", "ru", "uk", "pl"],
        fields,
        "Der Verfügungsfonds des Stadtteils Lerchenberg fördert Ideen aus der Nachbarschaft.",
        admin,
    )
    staff = accounts.find_staff_by_email(STAFF[0]) or accounts.create_staff(
        email=STAFF[0], name="QM-Team Soldiner Kiez", password=STAFF[1], areas=[soldiner]
    )

    council = setup.save_body(
        None,
        soldiner,
        kind="council",
        name="Quartiersrat Soldiner Kiez",
        quorum=Fraction(2, 3),
        quorum_strict=False,
        quorum_minimum=3,
        majority="two_thirds",
        abstain_counts_as_no=False,
        tie_breaker=None,
    )
    _members(council, 15, 3, date(date.today().year - 1, 3, 1))
    quartiersfonds = setup.save_fund(
        None,
        soldiner,
        kind="neighbourhood_fund",
        name="Quartiersfonds",
        body=council,
        cap_cents=5_000_000,
        minimum_cents=500_000,
        lead_time_days=42,
        eligible_categories=[
            "material",
            "consumables",
            "services",
            "rent",
            "publicity",
            "catering",
            "transport",
            "equipment",
            "other",
        ],
        carry_over=True,
        proof_weeks=8,
        description="Größere Projekte ab 5.000 €, über die der Quartiersrat entscheidet.",
    )
    setup.open_fund_year(
        quartiersfonds, year=date.today().year, allocation_cents=6_000_000, actor=admin
    )

    apps = [
        (_application(soldiner, action_fund, row, i, staff), row[5])
        for i, row in enumerate(SOLDINER_ACTIONS)
    ]
    apps += [
        (_application(lerchenberg, action_fund2, row, i + 20, admin), row[5])
        for i, row in enumerate(LERCHENBERG_ACTIONS)
    ]
    for app, target in apps:
        _walk_to_review(app, target, staff)

    today = date.today()
    _past_meeting(
        jury,
        [(a, t) for a, t in apps if t in (State.SETTLED, State.APPROVED, State.REJECTED)],
        staff,
    )
    current = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlaufverfahren November",
        when=_at(today + timedelta(days=10), 18),
        place="",
        actor=staff,
    )
    rounds.set_agenda(current, [a.id for a, t in apps if t is State.SCHEDULED])
    rounds.open_round(current, actor=staff)
    for participant in current.participants[:3]:
        ballots.cast_vote(participant, current.agenda[0], "yes")
    rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung Dezember",
        when=_at(today + timedelta(days=24), 17),
        place="Nachbarschaftsetage, Osloer Str. 12",
        actor=staff,
    )
    rounds.save_round(
        None,
        council,
        mode="meeting",
        title="Sitzung des Quartiersrats",
        when=_at(today + timedelta(days=31), 18),
        place="Stadtteilzentrum Pankstraße",
        actor=staff,
    )
    db.session.flush()


def _walk_to_review(app: Application, target: State, actor: StaffUser) -> None:
    """Move an application through the formal review towards its demo state."""
    if target is State.RETURNED:
        history.transition(
            app,
            State.RETURNED,
            actor_kind="staff",
            actor=actor,
            note="Bitte die Kosten für die Workshopleitung mit einem Angebot belegen.",
        )
    elif target is State.INELIGIBLE:
        history.transition(
            app,
            State.INELIGIBLE,
            actor_kind="staff",
            actor=actor,
            note="Honorare für die Antragstellenden selbst sind nicht förderfähig.",
        )
    elif target is State.WITHDRAWN:
        history.transition(
            app, State.WITHDRAWN, actor_kind="applicant", note="Das Fest findet nicht statt."
        )
    elif target is not State.SUBMITTED:
        history.transition(
            app, State.READY, actor_kind="staff", actor=actor, note="Formal geprüft."
        )
