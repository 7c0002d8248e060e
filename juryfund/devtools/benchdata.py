"""Bench data: a city of many areas with years of history, written in bulk for the benchmark.

``flask juryfund seed-bench --areas 50 --applications 100000`` fills an empty database with
areas, funds, fund years, bodies and members, applications with cost plans and history,
closed rounds with every member's vote, decisions, ledger entries (allocation, commitment,
payment, release) and one open circulation round of 20 items for the ballot benchmark.

The rows go in through SQLAlchemy Core in large batches, not through the services: the
services check and log one change at a time (right for users, far too slow for 100,000
applications). The shapes follow what the services write, so every page reads them as it
reads real data. Audit events, mails and status-link grants are left out: no page lists them
by the thousand, and the audit chain stays valid (empty).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, text, update

from ..domain.states import State
from ..extensions import db
from ..infra import clock
from ..models import (
    AgendaItem,
    Application,
    ApplicationEvent,
    Area,
    Attachment,
    Body,
    CostItem,
    Decision,
    Fund,
    FundYear,
    LedgerEntry,
    Member,
    Position,
    Round,
    RoundMember,
)
from ..models.rounds import TALLY_COLUMNS

#: Rows per INSERT batch: big enough to be fast, small enough to keep memory flat.
BATCH = 5000
#: Every benchmark body decides by simple majority with half its members present, at least 3.
BODY_RULE = dict(
    quorum_numerator=1,
    quorum_denominator=2,
    quorum_strict=True,
    quorum_minimum=3,
    majority="simple",
    abstain_counts_as_no=False,
)
JURY_SIZE = 7
COUNCIL_SIZE = 15
#: Items on the open round the ballot benchmark loads.
BALLOT_ITEMS = 20
#: Areas (by index) with an open round for the write benchmark spread over several areas, and
#: its items in each of them but the first (whose round is the ballot's). The second area is
#: left out: the read scenarios show its history.
WRITE_AREAS = (0, 2, 3, 4)
WRITE_ITEMS = 5
ACTION_FIELDS = ("Nachbarschaft", "Kultur", "Bildung", "Umwelt", "Gesundheit", "Integration")
LANGUAGES = ("de", "de", "de", "de", "tr", "ar", "en", "uk", "ru", "pl")
TITLES = (
    "Hoffest",
    "Nachbarschaftsgarten",
    "Lesecafé für Kinder",
    "Sprachcafé",
    "Kiezputz",
    "Repair-Café",
    "Sommerkino im Hof",
    "Theaterworkshop",
    "Fahrradwerkstatt",
    "Seniorenfrühstück",
    "Hausaufgabenhilfe",
    "Bücherschrank",
    "Straßenfest",
    "Malkurs",
    "Tauschbörse",
    "Musik im Park",
    "Kochabend",
    "Spielplatzfest",
    "Fotoausstellung",
    "Baumscheibenpflege",
)
PLACES = (
    "Hof",
    "Gemeinschaftsraum",
    "Park",
    "Schulhof",
    "Stadtteilzentrum",
    "Bibliothek",
    "Kirchhof",
)
SENTENCES = (
    "Wir laden alle Nachbarinnen und Nachbarn ein, gemeinsam etwas auf die Beine zu stellen.",
    "Das Angebot ist kostenlos und richtet sich an Familien, Kinder und ältere Menschen.",
    "Ehrenamtliche aus dem Haus übernehmen Aufbau, Betreuung und Abbau.",
    "Wir kaufen Material, das danach im Gemeinschaftsraum bleibt und weiter genutzt wird.",
    "Die Einladung erscheint in mehreren Sprachen, damit möglichst viele davon erfahren.",
    "Im letzten Jahr kamen über vierzig Menschen, darum planen wir diesmal größer.",
    "Eine Künstlerin aus dem Kiez leitet zwei Nachmittage an und bringt eigene Ideen mit.",
    "Wir arbeiten mit der Schule, dem Familienzentrum und dem Mieterbeirat zusammen.",
    "Die Ergebnisse zeigen wir zum Abschluss bei einem kleinen Fest im Hof.",
    "Es entstehen keine Honorare für uns selbst; alle Kosten stehen im Kostenplan.",
)
COST_LINES = (
    ("Material", "material"),
    ("Farben und Pinsel", "consumables"),
    ("Getränke", "catering"),
    ("Plakate und Flyer", "publicity"),
    ("Raummiete", "rent"),
    ("Musiker", "services"),
    ("Transporter", "transport"),
    ("Werkzeug", "equipment"),
)
#: A minimal valid PDF, padded to the size of a one-page scanned quote.
QUOTE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n"
    + b"%"
    + b"0" * 24_000
    + b"\n%%EOF\n"
)

#: The reasons of the rejections and cut amounts seeded for benchmarks.
BENCH_REASONS = "Die Jury hat die Mittel auf mehr Vorhaben verteilt."


@dataclass
class Report:
    """What seed-bench wrote, table by table, and where the benchmark finds its targets."""

    counts: dict[str, int] = field(default_factory=dict)
    ballot_round_id: int | None = None

    def add(self, table: str, n: int) -> None:
        """Count n more rows written to a table."""
        self.counts[table] = self.counts.get(table, 0) + n

    def __str__(self) -> str:
        lines = [f"{table:>20}: {n:>9,}" for table, n in self.counts.items()]
        return "\n".join(
            lines + [f"open 20-item round for the ballot benchmark: {self.ballot_round_id}"]
        )


class Ids:
    """Hands out primary keys per table, after whatever the database already holds."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, model) -> int:
        """The next free id of a model's table."""
        name = model.__tablename__
        if name not in self._next:
            self._next[name] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self._next[name]
        self._next[name] = value + 1
        return value


class Writer:
    """Collects rows per table and inserts them in batches, parents before children."""

    #: Insert order: a table's foreign keys point only to tables earlier in the list.
    ORDER = (
        Area,
        Body,
        Member,
        Fund,
        FundYear,
        Round,
        RoundMember,
        Application,
        CostItem,
        Attachment,
        ApplicationEvent,
        AgendaItem,
        Position,
        Decision,
        LedgerEntry,
    )

    def __init__(self, report: Report) -> None:
        self.rows: dict[type, list[dict]] = {model: [] for model in self.ORDER}
        self.report = report

    def add(self, model, **row) -> None:
        """Queue one row."""
        self.add_row(model, row)

    def add_row(self, model, row: dict) -> None:
        """Queue one row as this very dict, so the caller may still change it before flush."""
        self.rows[model].append(row)

    def queued(self) -> int:
        """Rows waiting to be inserted."""
        return sum(len(rows) for rows in self.rows.values())

    def flush(self) -> None:
        """Insert every queued row, table by table."""
        for model in self.ORDER:
            rows = self.rows[model]
            for start in range(0, len(rows), BATCH):
                db.session.execute(insert(model.__table__), rows[start : start + BATCH])
            self.report.add(model.__tablename__, len(rows))
            rows.clear()


def _area_code(index: int) -> str:
    """Three capital letters per area: QAA, QAB, ... (Q keeps clear of real demo codes)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "Q" + letters[index // 26 % 26] + letters[index % 26]


def _moment(rng: random.Random, day: date, hour_from: int = 9, hour_to: int = 19) -> datetime:
    """A time on that day (UTC), at a plausible office hour."""
    return datetime(
        day.year,
        day.month,
        day.day,
        rng.randint(hour_from, hour_to - 1),
        rng.randint(0, 59),
        rng.randint(0, 59),
        tzinfo=UTC,
    )


def _spread(total: int, parts: int) -> list[int]:
    """total split into parts as evenly as possible."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class AreaBuilder:
    """Builds one area with its funds, bodies, years of applications, rounds and books."""

    def __init__(
        self,
        index: int,
        applications: int,
        years: list[int],
        today: date,
        rng: random.Random,
        ids: Ids,
        out: Writer,
    ) -> None:
        self.index, self.applications, self.years = index, applications, years
        self.today, self.rng, self.ids, self.out = today, rng, ids, out
        self.area_id = ids.take(Area)
        self.code = _area_code(index)
        self.numbers: dict[int, int] = {}

    # --- structure ----------------------------------------------------------------------------

    def build(self, *, ballot_items: int = 0) -> int | None:
        """Queue every row of the area; the id of its open round of `ballot_items` items, if any."""
        out, n = self.out, self.index + 1
        out.add(
            Area,
            id=self.area_id,
            slug=f"quartier-{n:02d}",
            code=self.code,
            name=f"Quartier {n:02d}",
            city="Berlin",
            timezone="Europe/Berlin",
            languages="de,en,tr,ar,uk,ru,pl",
            description=" ".join(SENTENCES[:3]),
            action_fields="\n".join(ACTION_FIELDS),
            contact_email=f"qm-{n:02d}@example.org",
            created_at=datetime(self.years[0], 1, 2, tzinfo=UTC),
        )
        self.jury, self.jury_members = self._body("jury", "Aktionsfondsjury", JURY_SIZE)
        self.council, self.council_members = self._body("council", "Quartiersrat", COUNCIL_SIZE)
        self.action_fund = self._fund(
            "action_fund", "Aktionsfonds", self.jury, cap=150_000, minimum=0
        )
        self.neighbourhood_fund = self._fund(
            "neighbourhood_fund", "Quartiersfonds", self.council, cap=5_000_000, minimum=500_000
        )
        self.committed: dict[int, int] = {}  # fund year id -> committed cents (net of releases)
        self.allocated: dict[int, int] = {}  # fund year id -> its money (allocation + raises)
        self.closures: dict[int, datetime] = {}  # fund year id -> when the past year was closed
        self.fund_years = {
            (fund, year): self._fund_year(fund, year)
            for fund in (self.action_fund, self.neighbourhood_fund)
            for year in self.years
        }
        reserved = ballot_items
        for year, count in zip(
            self.years, _spread(self.applications - reserved, len(self.years)), strict=True
        ):
            self._year(year, count)
        round_id = self._open_round(reserved) if reserved else None
        self._lapses()
        return round_id

    def _body(self, kind: str, name: str, size: int) -> tuple[int, list[int]]:
        """A body with its members (all serving); its id and the member ids."""
        body_id = self.ids.take(Body)
        self.out.add(
            Body,
            id=body_id,
            area_id=self.area_id,
            kind=kind,
            name=name,
            **BODY_RULE,
            created_at=datetime(self.years[0], 1, 2, tzinfo=UTC),
        )
        members = []
        for i in range(size):
            member_id = self.ids.take(Member)
            self.out.add(
                Member,
                id=member_id,
                body_id=body_id,
                name=f"{name} Mitglied {i + 1}",
                email=f"{kind}{i + 1}.{self.code.lower()}@example.org",
                language=LANGUAGES[i % len(LANGUAGES)],
                role="institution" if i % 5 == 4 else "resident",
                term_start=date(self.years[0], 1, 1),
                term_end=None,
                created_at=datetime(self.years[0], 1, 2, tzinfo=UTC),
            )
            members.append(member_id)
        return body_id, members

    def _fund(self, kind: str, name: str, body_id: int, *, cap: int, minimum: int) -> int:
        fund_id = self.ids.take(Fund)
        self.out.add(
            Fund,
            id=fund_id,
            area_id=self.area_id,
            body_id=body_id,
            kind=kind,
            name=name,
            description=SENTENCES[0],
            cap_cents=cap,
            minimum_cents=minimum,
            lead_time_days=14,
            eligible_categories="material,consumables,services,rent,"
            "publicity,catering,transport,equipment,other",
            carry_over=False,
            proof_weeks=4,
            retention_years=10,
            active=True,
            created_at=datetime(self.years[0], 1, 2, tzinfo=UTC),
        )
        return fund_id

    def _fund_year(self, fund_id: int, year: int) -> int:
        fund_year_id = self.ids.take(FundYear)
        # Past years are closed after their bookings are in (close_years): a closed year takes
        # no bookings, the database refuses them.
        if year < self.today.year:
            self.closures[fund_year_id] = datetime(year + 1, 1, 15, tzinfo=UTC)
        self.out.add(
            FundYear,
            id=fund_year_id,
            fund_id=fund_id,
            year=year,
            closed_at=None,
            version=0,
            created_at=datetime(year, 1, 2, tzinfo=UTC),
        )
        self.committed[fund_year_id] = 0
        # The year's budget comes first, as in a real year (the books refuse a commitment the
        # year has no money for, a database trigger too: rows go in in the order queued).
        allocation = 1_000_000 if fund_id == self.action_fund else 5_000_000
        self.allocated[fund_year_id] = allocation
        allocated_at = datetime(year, 1, 10, 9, tzinfo=UTC)
        self._booking(fund_year_id, "allocation", allocation, allocated_at, note="Zuweisung")
        return fund_year_id

    # --- a year of applications ------------------------------------------------------------------

    def _year(self, year: int, count: int) -> None:
        """A year's applications; months that have passed were decided in monthly rounds."""
        last_month = 12 if year < self.today.year else self.today.month
        per_month = _spread(count, last_month)
        for month, in_month in enumerate(per_month, start=1):
            decided = (year, month) < (self.today.year, self.today.month)
            councils = max(in_month // 5, 0)
            for body, members, fund, share in (
                (self.jury, self.jury_members, self.action_fund, in_month - councils),
                (self.council, self.council_members, self.neighbourhood_fund, councils),
            ):
                if share:
                    self._month(year, month, body, members, fund, share, decided)

    def _month(
        self,
        year: int,
        month: int,
        body: int,
        members: list[int],
        fund: int,
        count: int,
        decided: bool,
    ) -> None:
        """One body's applications of a month, and the round that decided them."""
        rng = self.rng
        first = date(year, month, 1)
        meeting_day = (
            min(first + timedelta(days=25), self.today - timedelta(days=1)) if decided else None
        )
        on_agenda = []
        for _ in range(count):
            submitted_day = first + timedelta(days=rng.randint(0, 20))
            if not decided:
                submitted_day = min(submitted_day, self.today)
                state = rng.choice((State.SUBMITTED, State.SUBMITTED, State.READY, State.RETURNED))
            else:
                roll = rng.random()
                state = (
                    State.WITHDRAWN
                    if roll < 0.04
                    else State.INELIGIBLE
                    if roll < 0.08
                    else State.REJECTED
                    if roll < 0.38
                    else State.APPROVED
                )
            app = self._application(year, fund, submitted_day, state, meeting_day)
            if state in (State.APPROVED, State.REJECTED):
                on_agenda.append(app)
        if on_agenda:
            self._closed_round(body, members, fund, year, meeting_day, on_agenda)
        if self.out.queued() > 50_000:  # a very big area: insert as we go, memory stays flat
            self.out.flush()

    def _application(
        self,
        year: int,
        fund: int,
        submitted_day: date,
        state: State,
        decided_day: date | None,
        *,
        files: bool | None = None,
    ) -> dict:
        """Queue one application with its cost plan, files and history; its row."""
        rng, app_id = self.rng, self.ids.take(Application)
        number = self.numbers[year] = self.numbers.get(year, 0) + 1
        big = fund == self.neighbourhood_fund
        lines, total = [], 0
        for position in range(rng.randint(2, 5)):
            description, category = rng.choice(COST_LINES)
            quantity = rng.randint(1, 10)
            unit = rng.randint(20, 400) * (500 if big else 100) // 10 * 10
            lines.append((position, description, category, quantity, unit))
            total += quantity * unit
        cap = 5_000_000 if big else 150_000
        requested = max(min(total, cap), 500_000 if big else 1_000)
        total = max(total, requested)
        if total != sum(q * u for _, _, _, q, u in lines):  # top up the last line to the total
            position, description, category, quantity, unit = lines[-1]
            rest = total - sum(q * u for _, _, _, q, u in lines[:-1])
            lines[-1] = (position, description, category, 1, rest)
        start = (decided_day or submitted_day) + timedelta(days=rng.randint(15, 60))
        kind = rng.choice(("person", "initiative", "initiative", "association"))
        submitted_at = _moment(rng, submitted_day)
        row = dict(
            id=app_id,
            area_id=self.area_id,
            fund_id=fund,
            year=year,
            number=number,
            reference=f"{self.code}-{year}-{number:04d}",
            state=state.value,
            language=rng.choice(LANGUAGES),
            applicant_kind=kind,
            applicant_name=f"Antragstellerin {app_id}",
            organisation=""
            if kind == "person"
            else f"Initiative {rng.choice(PLACES)} {app_id % 97}",
            email=f"applicant{app_id}@example.org",
            phone="030 1234567",
            address=f"Musterstraße {app_id % 200 + 1}, 13359 Berlin",
            lives_or_acts_in_area=True,
            title=f"{rng.choice(TITLES)} {rng.choice(PLACES)}",
            description=" ".join(rng.sample(SENTENCES, rng.randint(3, 7))),
            goals="\n".join(rng.sample(ACTION_FIELDS, rng.randint(1, 3))),
            target_group="Nachbarschaft, Familien",
            place=rng.choice(PLACES),
            start_date=start,
            end_date=start + timedelta(days=rng.randint(0, 30)),
            participants=rng.randint(5, 200),
            volunteer_hours=rng.randint(0, 80),
            in_kind="",
            cofunding_source="",
            cofunding_cents=0,
            total_cents=total,
            requested_cents=requested,
            declared_not_started=True,
            declared_no_own_fee=True,
            consent_processing=True,
            consent_publish_name=rng.random() < 0.3,
            review_note="Formal geprüft, förderfähig." if state != State.SUBMITTED else "",
            entered_by_id=None,
            submitted_at=submitted_at,
            updated_at=submitted_at,
            anonymised_at=None,
        )
        self.out.add_row(Application, row)
        for position, description, category, quantity, unit in lines:
            self._new(
                CostItem,
                application_id=app_id,
                position=position,
                description=description,
                category=category,
                quantity=quantity,
                unit_cents=unit,
                total_cents=quantity * unit,
            )
        # Quotes only where someone still reads them (open business): 24 kB each adds up fast.
        if files if files is not None else decided_day is None:
            self._new(
                Attachment,
                application_id=app_id,
                draft_key=None,
                receipt_id=None,
                proof_id=None,
                kind="quote",
                filename="Angebot.pdf",
                content_type="application/pdf",
                size=len(QUOTE_PDF),
                sha256="0" * 64,
                data=QUOTE_PDF,
                uploaded_at=submitted_at,
            )
        self._history(app_id, state, submitted_at, decided_day)
        return row

    def _history(self, app_id: int, state: State, at: datetime, decided_day: date | None) -> None:
        """The history lines the services would have written on the way to the state."""
        path = {
            State.SUBMITTED: [],
            State.RETURNED: [State.RETURNED],
            State.READY: [State.READY],
            State.SCHEDULED: [State.READY, State.SCHEDULED],
            State.WITHDRAWN: [State.WITHDRAWN],
            State.INELIGIBLE: [State.INELIGIBLE],
            State.REJECTED: [State.READY, State.SCHEDULED, State.REJECTED],
            State.APPROVED: [State.READY, State.SCHEDULED, State.APPROVED],
        }[state]
        # (when, kind, actor kind, from, to): the submission, then each staff step.
        steps: list[tuple[datetime, str, str, State | None, State]] = [
            (at, "submitted", "applicant", None, State.SUBMITTED)
        ]
        for number, target in enumerate(path, start=1):
            when = at + timedelta(days=2 * number)
            if target in (State.APPROVED, State.REJECTED) and decided_day:
                when = _moment(self.rng, decided_day, 18, 21)
            steps.append((when, "state", "staff", steps[-1][4], target))
        for when, kind, actor_kind, source, target in steps:
            self._event(app_id, when, kind, actor_kind, source, target)

    def _event(
        self,
        app_id: int,
        at: datetime,
        kind: str,
        actor_kind: str,
        source: State | None,
        target: State,
    ) -> None:
        """One history line of an application, as the services would have written it."""
        self._new(
            ApplicationEvent,
            application_id=app_id,
            at=at,
            kind=kind,
            actor_kind=actor_kind,
            actor_staff_id=None,
            from_state=source.value if source else None,
            to_state=target.value,
            note="",
            internal=False,
        )

    # --- rounds, votes, decisions, books ----------------------------------------------------------

    def _round(
        self, body: int, members: list[int], *, mode: str, state: str, day: date, title: str
    ) -> tuple[int, list[int]]:
        """A round with its frozen members; its id and the participant ids."""
        round_id = self.ids.take(Round)
        moment = _moment(self.rng, day, 17, 19)
        self.out.add(
            Round,
            id=round_id,
            body_id=body,
            mode=mode,
            state=state,
            title=title,
            meeting_at=moment if mode == "meeting" else None,
            place="Stadtteilzentrum",
            deadline=moment if mode == "circulation" else None,
            **BODY_RULE,
            tie_breaker_id=None,
            opened_at=moment - timedelta(days=14),
            closed_at=moment if state == "closed" else None,
            reminded_at=None,
            objected_by_id=None,
            objected_at=None,
            created_by_id=None,
            created_at=moment - timedelta(days=15),
        )
        participants = []
        for member in members:
            participant_id = self.ids.take(RoundMember)
            self.out.add(
                RoundMember,
                id=participant_id,
                round_id=round_id,
                member_id=member,
                present=True if mode == "meeting" and state == "closed" else None,
                revoked_at=None,
                reminded_at=None,
            )
            participants.append(participant_id)
        return round_id, participants

    def _closed_round(
        self,
        body: int,
        members: list[int],
        fund: int,
        year: int,
        day: date,
        applications: list[dict],
    ) -> None:
        """A closed meeting with every member's vote, the decisions and their bookings."""
        rng = self.rng
        round_id, _ = self._round(
            body,
            members,
            mode=rng.choice(("meeting", "meeting", "circulation")),
            state="closed",
            day=day,
            title=f"Sitzung {day:%m/%Y}",
        )
        fund_year = self.fund_years[(fund, year)]
        decided_at = _moment(rng, day, 19, 21)
        eligible = len(members)
        for position, app in enumerate(applications, start=1):
            approved = app["state"] == State.APPROVED.value
            yes = (
                eligible // 2 + 1 + rng.randint(0, eligible // 3)
                if approved
                else rng.randint(0, eligible // 3)
            )
            no = rng.randint(0, eligible - yes - 1) if approved else eligible - yes - 1
            abstain = eligible - yes - no
            item_id = self.ids.take(AgendaItem)
            counts = dict(
                eligible=eligible,
                participating=eligible,
                quorum_needed=eligible // 2 + 1,
                yes=yes,
                no=no,
                abstain=abstain,
            )
            self._item(item_id, round_id, app["id"], position, app["state"], counts)
            choices = ["yes"] * yes + ["no"] * no + ["abstain"] * abstain
            rng.shuffle(choices)
            for member, choice in zip(members, choices, strict=True):
                self._vote(
                    item_id, member, choice, decided_at - timedelta(minutes=rng.randint(1, 600))
                )
            decision_id = self.ids.take(Decision)
            amount = (
                app["requested_cents"] if rng.random() < 0.8 else app["requested_cents"] * 9 // 10
            )
            self.out.add(
                Decision,
                id=decision_id,
                application_id=app["id"],
                agenda_item_id=item_id,
                outcome=app["state"],
                approved_cents=amount if approved else None,
                requested_cents=app["requested_cents"],
                conditions="",
                # A rejection and a cut amount give reasons (the CHECKs on decision).
                reasons="" if approved and amount == app["requested_cents"] else BENCH_REASONS,
                decided_at=decided_at,
                decided_by_id=None,
                supersedes_id=None,
                correction_reason="",
                **counts,
            )
            if approved:
                self._books(app, fund_year, decision_id, amount, decided_at)

    def _books(
        self, app: dict, fund_year: int, decision_id: int, amount: int, at: datetime
    ) -> None:
        """Commitment, advance payment and (for most past projects) settlement with a release."""

        def entry(kind: str, cents: int, when: datetime, payment_type: str | None = None) -> None:
            self._booking(
                fund_year, kind, cents, when, (app["id"], decision_id), payment_type=payment_type
            )

        left = self.allocated[fund_year] - self.committed[fund_year]
        if amount > left:  # a busy year: the city raises the budget, as cities do mid-year
            raised = -(-(amount - left) * 115 // 100 // 100_000) * 100_000
            self.allocated[fund_year] += raised
            self._booking(fund_year, "adjustment", raised, at, note="Nachbewilligung")
        self.committed[fund_year] += amount
        entry("commitment", amount, at)
        if app["start_date"] < self.today:
            paid = amount if self.rng.random() < 0.7 else amount * 3 // 4
            entry("payment", paid, at + timedelta(days=7), "advance")
            if app["end_date"] + timedelta(days=60) < self.today:
                app["state"] = State.SETTLED.value  # the row is still queued: safe to change
                settled_at = at + timedelta(days=90)
                self._event(app["id"], settled_at, "state", "staff", State.APPROVED, State.SETTLED)
                if paid < amount:
                    entry("release", amount - paid, at + timedelta(days=90))
                    self.committed[fund_year] -= amount - paid

    def _open_round(self, items: int) -> int:
        """The jury's open circulation round of this month, with a few votes already cast."""
        rng = self.rng
        deadline_day = self.today + timedelta(days=10)
        round_id, _ = self._round(
            self.jury,
            self.jury_members,
            mode="circulation",
            state="open",
            day=deadline_day,
            title="Umlaufverfahren (Benchmark)",
        )
        for position in range(1, items + 1):
            day = self.today - timedelta(days=rng.randint(3, 20))
            app = self._application(
                self.today.year, self.action_fund, day, State.SCHEDULED, None, files=True
            )
            item_id = self.ids.take(AgendaItem)
            self._item(item_id, round_id, app["id"], position, None, dict.fromkeys(TALLY_COLUMNS))
            for member in self.jury_members[1:4]:  # three members have voted; the first has not
                choice = rng.choice(("yes", "yes", "no", "abstain"))
                self._vote(item_id, member, choice, _moment(rng, self.today - timedelta(days=1)))
        return round_id

    def _new(self, model, **row) -> None:
        """Queue a row of a table whose id nothing else refers to yet (the next free one)."""
        self.out.add(model, id=self.ids.take(model), **row)

    def _item(
        self,
        item_id: int,
        round_id: int,
        app_id: int,
        position: int,
        result: str | None,
        counts: dict[str, int | None],
    ) -> None:
        """An application on a round's agenda, with its tally once the round is closed."""
        self.out.add(
            AgendaItem,
            id=item_id,
            round_id=round_id,
            application_id=app_id,
            position=position,
            result=result,
            **counts,
        )

    def _vote(self, item_id: int, member: int, choice: str, at: datetime) -> None:
        """A member's vote on an agenda item, cast through the ballot link."""
        self._new(
            Position,
            agenda_item_id=item_id,
            member_id=member,
            kind="vote",
            choice=choice,
            reason="",
            at=at,
            recorded_by_id=None,
        )

    def _lapses(self) -> None:
        """The close of each past fund year: what it did not commit lapsed."""
        for fund_year in self.fund_years.values():
            closed = self.closures.get(fund_year)
            if closed is not None:
                lapsed = self.allocated[fund_year] - self.committed[fund_year]
                if lapsed > 0:
                    year = next(y for (_f, y), fy in self.fund_years.items() if fy == fund_year)
                    self._booking(fund_year, "lapse", lapsed, closed, note=str(year))

    def _booking(
        self,
        fund_year: int,
        kind: str,
        cents: int,
        at: datetime,
        project: tuple[int, int] | None = None,
        *,
        payment_type: str | None = None,
        note: str = "",
    ) -> None:
        """A ledger entry; `project` is (application, decision) for a project's booking."""
        application_id, decision_id = project or (None, None)
        self._new(
            LedgerEntry,
            fund_year_id=fund_year,
            kind=kind,
            amount_cents=cents,
            application_id=application_id,
            decision_id=decision_id,
            payment_type=payment_type,
            note=note,
            actor_id=None,
            at=at,
        )

    def close_years(self) -> None:
        """Close the past fund years, once their bookings are written."""
        # In the order they closed: a fund's years close in order (a database trigger holds it).
        for fund_year, closed in sorted(self.closures.items(), key=lambda item: item[1]):
            db.session.execute(
                update(FundYear).where(FundYear.id == fund_year).values(closed_at=closed)
            )


def seed_bench(
    areas: int,
    applications: int,
    *,
    years: int = 10,
    seed: int = 2026,
    today: date | None = None,
    progress=None,
) -> Report:
    """Fill an empty database with a city's history; raises ValueError if areas exist already."""
    if areas < 1 or years < 1 or applications // areas < BALLOT_ITEMS:
        raise ValueError(
            f"need at least one area, one year and {BALLOT_ITEMS} applications per area"
        )
    if db.session.scalar(select(func.count(Area.id))):
        raise ValueError("the database already has areas; seed-bench needs an empty database")
    today = today or clock.today_in(None)
    year_list = list(range(today.year - years + 1, today.year + 1))
    rng, ids, report = random.Random(seed), Ids(), Report()
    out = Writer(report)
    for index, share in enumerate(_spread(applications, areas)):
        builder = AreaBuilder(index, share, year_list, today, rng, ids, out)
        items = BALLOT_ITEMS if index == 0 else WRITE_ITEMS if index in WRITE_AREAS else 0
        round_id = builder.build(ballot_items=items)
        report.ballot_round_id = report.ballot_round_id or round_id
        out.flush()
        builder.close_years()
        db.session.commit()  # one transaction per area keeps memory and lock times small
        if progress:
            progress(index + 1, areas)
    _advance_sequences()
    return report


def _advance_sequences() -> None:
    """PostgreSQL: move each id sequence past the ids written explicitly, so inserts go on."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in Writer.ORDER:
        table = model.__tablename__
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)'
            )
        )
    db.session.commit()
