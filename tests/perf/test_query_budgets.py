"""Query budgets: every list and detail page, and the ballot, read with a number of SQL queries
that does not grow with the data.

Each test builds its data with one row of everything, counts the queries of each page, adds
rows until there are fifty, and counts again: the counts must be equal, and at most the budget
below, so a page that starts reading more is caught even when it still reads the same at both
sizes. Pages are read to the end (streamed bodies query while being read), and each once per
size after the data changed, so no cached copy answers in place of the page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from juryfund.domain.actors import SYSTEM
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, CostItem, Round
from juryfund.services import (
    accounts,
    areatexts,
    ballots,
    books,
    decisions,
    history,
    intake,
    ledger,
    proofs,
    rounds,
    sessions,
    setup,
    transparency,
)
from juryfund.web.ballot.routes import FRAGMENT_HEADER
from juryfund.web.i18n import LANGUAGE_COOKIE
from juryfund.web.review.routes import PAGE_SIZE as INBOX_PAGE_SIZE
from juryfund.web.transparency.routes import PAGE_SIZE
from tests.conftest import csrf_from
from tests.transparency.conftest import Spec, ready_application

from .conftest import sign_in

pytestmark = pytest.mark.perf

PDF = b"%PDF-1.4\n% a quote\n"
#: Rows of each kind the second measurement sees.
MANY = 50

#: Most queries each page may issue (measured; raise only with a reason).
BUDGETS = {
    # public
    "index": 2,
    # Each fund's next jury sessions with their deadlines (issue 14 item 8): one query.
    "area": 8,
    # In a language other than German: one more query reads every area and fund text in it.
    "area.tr": 9,
    # The application form: the area, its funds, and the funds' next deadlines (one query).
    "apply": 4,
    "decisions": 6,
    "decisions.deep": 6,
    # Issue 17: the approved project story (one query; its photos one more when there is one)
    # and whether the project's pin is on the public map (one) (+2).
    "project": 5,
    "budget": 5,
    # Issue 17 item 3: participation (applications by language, decisions, sessions: +2 over
    # the one count of decisions) and the projects' public stories (one query; their photos one
    # more when there is one) (+4 at most).
    "report": 10,
    "report.pdf": 10,
    # The city report: the areas, their funds with the balances (two), and participation of all
    # the areas at once (three); which areas closed the year (one: a closed year shows what
    # lapsed, not what remains).
    "city_report": 8,
    "api.areas": 3,
    "api.area": 3,
    "api.budget": 4,
    # applicant and member
    # Payment requests (issue 14 item 4): the application's requests and its account (+2).
    # Issue 17: the project story for the status card, and the map pin for the place consent (+2).
    "status": 14,
    # The decision letter: the decisions in force, the application with area, fund and body.
    # The proof's due date as stored (the date the status page shows), not recomputed (+1).
    "status.letter": 7,
    # Issue 18: the member's conflict declarations come with the votes (one query less); the
    # money left and the dossiers are cached fragments (their queries only when not cached).
    # The member's state that keys the kept whole page (ballot/kept.py) is read first, with
    # the data version (which the page read anyway).
    # The member's votes, declarations, findings and rulings in one statement (-2).
    "ballot.circulation": 11,
    "ballot.meeting": 11,
    # The same page again, nothing changed: the member's state with the data version alone.
    "ballot.kept": 1,
    # A vote sent by the ballot's script, with its answer (the item and the progress): the
    # grant with the data version (1), the item (1), the vote (3 on SQLite: its standing, the
    # write, the check after it; 4 on PostgreSQL: the round's and the grant's share locks, its
    # standing, the write), the member's rows read before the commit (1), the audit chain (3:
    # lock, newest event, insert) and, after the commit, the grant once more (1).
    "ballot.vote_answer": 11,
    # staff
    # The dashboard's to-dos (issue 14, item 2): application to-dos in one grouped query, the
    # open rounds with their vote counts in one, the fund years to close in one (+3).
    "dashboard": 5,
    "staff.area": 8,
    # A fund's jury sessions: the fund, its area (permission) and the sessions.
    "staff.sessions": 5,
    "inbox": 7,
    "inbox.deep": 7,
    # Fund rules (issue 12 item 7): the review page re-checks the stored application against its
    # fund's rules for staff's flags (its cost lines, the year holding the commitment and that
    # year's funding period: three queries); the money page reads the funding period to flag
    # retroactive receipts (one query).
    # Issue 17: the map section (the pin, or the area's pins to centre the small map) and the
    # project story's state with its photos (+4, whatever the number of pins or photos).
    # The version the review form carries (services.versions.fingerprint): the application as
    # it stands, its cost lines and its own files (+2).
    "review": 20,
    # Payment requests (issue 14 item 4): the application's requests (+1).
    # "Approved" is the amount of the decision in force, which a correction replaces, not the
    # sum of the commitments booked (auditor B): the application's decisions (+1).
    "money": 13,
    "application.audit": 11,
    # The proof's due date as stored, as on the status page (+1).
    "letter": 8,
    "fund_year": 7,
    "body": 6,
    # Conflicts of interest: found (draft: the members and the cost lines they may be named
    # in), and on the later pages the findings, declarations and rulings (three queries).
    # A meeting's page reads its funds' presentation thresholds (one query, draft and open),
    # and once opened the area's staff who may chair it (one query).
    "round.draft": 14,
    # An open round also lists the body's members who joined after it opened (one query).
    # Deputies (issue 12 item 2): the round's substitutions are read by the tally and by the
    # missing-votes count (+2 on an open round, +1 closed: the list of named deputies); the
    # minutes read them for the deputies section and the open tally (+2, +1 closed).
    "round.circulation": 18,
    "round.meeting": 22,
    "round.closed": 18,
    "minutes.circulation": 15,
    "minutes.meeting": 15,
    "minutes.closed": 13,
    # The print view is the minutes page without the page chrome, from the same service.
    "minutes.print": 13,
    "round.audit": 12,
    # admin
    "admin.dashboard": 5,
    "admin.areas": 2,
    "admin.staff": 3,
}


class World:
    """An area with everything its pages list, grown by the real services one row at a time.

    Growing adds areas, staff, funds, bodies, upcoming meetings, jury members, ready
    applications, ledger entries, and, on one approved application ("focus"), cost items,
    attachments, history notes by different staff, corrected decisions, payments, receipts and
    proof files (up to the thirty a proof may have). Rounds cannot grow once open, so each round
    page (and the ballot) is read for a round of one application and for a new one of fifty,
    spread over the funds.
    """

    def __init__(self, make, area, jury, fund, staff, decide) -> None:
        self.make, self.area, self.jury, self.fund, self.staff = make, area, jury, fund, staff
        self.decide = decide
        self.funds = [fund]
        self.staff_users = [staff]
        self.extra_areas = []
        self.admin = make.admin()
        self.fund_year = decisions.fund_year_for_fund(fund)
        self.size = 0
        self.rounds: dict[str, Round] = {}

    # --- growing ---------------------------------------------------------------------------

    def grow(self, to: int) -> None:
        """Add rows until there are `to` of each kind; rounds of that many items are built new."""
        added = range(self.size, to)
        for i in added:
            self._add_area(i)
            self._add_staff(i)
            self._add_fund(i)
            self._add_session(i)
            self._add_body(i)
        db.session.commit()
        self._decide(to)
        for i in added:
            self._add_member(i)  # after the meeting: six of seven jury members make its quorum
            self._add_focus_rows(i)
            books.record_adjustment(
                self.fund_year,
                amount_cents=100,
                reason=f"Nachbewilligung {i}",
                actor=self.staff_users[i].actor,
            )
        self._save_proof(to)
        db.session.commit()
        self._draft_round(len(added))
        self.rounds["circulation"] = self._open_round("circulation", to)
        self.rounds["meeting"] = self._open_round("meeting", to)
        self.size = to

    def _add_area(self, i: int) -> None:
        if i == 0:
            return  # the area itself
        other = self.make.area(
            name=f"Gebiet {i:02d}",
            slug=f"gebiet-{i}",
            code=f"G{chr(65 + i // 26)}{chr(65 + i % 26)}",
        )
        self.make.fund(other, self.make.body(other, members=1), allocation_cents=100_000)
        self.extra_areas.append(other)
        accounts.update_staff(
            self.staff,
            name=self.staff.name,
            role="staff",
            active=True,
            areas=[self.area, *self.extra_areas],
        )

    def _add_staff(self, i: int) -> None:
        if i == 0:
            return  # the staff fixture
        self.staff_users.append(self.make.staff(areas=[self.area, *self.extra_areas[-1:]]))

    def _add_fund(self, i: int) -> None:
        if i == 0:
            return  # the fund fixture
        self.funds.append(self.make.fund(self.area, self.jury, allocation_cents=1_000_000))

    def _add_session(self, i: int) -> None:
        rounds.save_round(
            None,
            self.jury,
            mode="meeting",
            title=f"Sitzung {i}",
            place="Nachbarschaftsetage",
            when=datetime.now(UTC) + timedelta(days=30 + i),
            actor=self.staff.actor,
        )
        # Announced jury sessions: the area's fund gets one more, and every new fund one.
        today = clock.today_in(None)
        for fund in {self.fund, self.funds[i]}:
            sessions.add_session(
                fund,
                meets_on=today + timedelta(days=40 + i),
                apply_by=today + timedelta(days=20 + i),
                place="Nachbarschaftsetage",
                actor=self.staff.actor,
            )

    def _add_body(self, i: int) -> None:
        if i == 0:
            return  # the jury
        self.make.body(self.area, kind="council", members=2)

    def _add_member(self, i: int) -> None:
        if i == 0:
            return  # the jury's seven
        member = setup.save_member(
            None,
            self.jury,
            name=f"Mitglied {i}",
            email=f"neu{i}@example.org",
            language="de",
            role="resident",
            term_start=date(2020, 1, 1),
            term_end=None,
        )
        if i % 5 == 0:
            setup.remove_member(member)  # the body page lists former members too
        db.session.commit()

    def _decide(self, count: int) -> None:
        """One jury meeting decides `count` applications (the very first is the focus)."""
        specs = [
            Spec(
                f"Aktion {self.size + i}",
                requested=10000,
                goals=("Kultur",),
                participants=5,
                outcome="rejected" if i % 3 == 2 else "approved",
                consent=bool(i % 2),
            )
            for i in range(count)
        ]
        decided = self.decide(specs)
        if self.size == 0:
            self.focus = decided[0]
        meeting = db.session.scalars(
            db.select(Round)
            .where(Round.mode == "meeting", Round.state == "closed")
            .order_by(Round.id.desc())
        ).first()
        self.rounds["closed"] = meeting

    def _add_focus_rows(self, i: int) -> None:
        """One more cost item, attachment, public note, corrected decision and payment."""
        focus, author = self.focus, self.staff_users[i]
        if i > 0:  # the first cost item came with the application
            focus.cost_items.append(
                CostItem(
                    position=i + 1,
                    description=f"Posten {i + 1}",
                    category="material",
                    quantity=1,
                    unit_cents=100,
                    total_cents=100,
                )
            )
        key = intake.new_draft_key()
        intake.stage_upload(key, f"Angebot {i}.pdf", PDF, already=0)
        intake.claim_uploads(focus, key)
        history.add_note(focus, f"Hinweis {i}", actor=author.actor, internal=False)
        if i > 0:
            current = decisions.current_decision(focus)
            decisions.correct_decision(
                current,
                amount_cents=10000 - 100 * (i % 2),
                conditions="",
                reason=f"Korrektur {i}",
                reasons="Weniger Mittel als beantragt verfügbar.",
                actor=author.actor,
            )
        books.record_payment(
            focus, amount_cents=100, payment_type="instalment", note="", actor=author.actor
        )
        db.session.commit()

    def _save_proof(self, lines: int) -> None:
        """The focus's proof of use: `lines` receipts and as many scans as a proof may have."""
        proof = proofs.proof_for(self.focus)
        proofs.save(
            proof,
            report="Alles gut gelaufen.",
            receipts=[
                proofs.ReceiptLine(
                    date=clock.today_in(None), supplier=f"Laden {i}", item="Erde", amount_cents=100
                )
                for i in range(lines)
            ],
        )
        for i in range(len(proofs.files_of(proof)), min(lines, proofs.MAX_PROOF_FILES)):
            proofs.add_file(proof, f"Beleg {i}.pdf", PDF, kind="receipt")

    def _ready(self, title: str, i: int) -> Application:
        """A ready application with three cost items and two attachments, in one of the funds."""
        application = ready_application(
            self.area,
            self.funds[i % len(self.funds)],
            Spec(title, requested=10000, goals=("Kultur",)),
        )
        for position in (2, 3):
            application.cost_items.append(
                CostItem(
                    position=position,
                    description="Miete",
                    category="services",
                    quantity=1,
                    unit_cents=0,
                    total_cents=0,
                )
            )
        key = intake.new_draft_key()
        for n in range(2):
            intake.stage_upload(key, f"Angebot {n}.pdf", PDF, already=n)
        intake.claim_uploads(application, key)
        return application

    def _draft_round(self, count: int) -> None:
        """More ready applications; the first upcoming meeting puts every ready one on its agenda."""
        for i in range(count):
            self._ready(f"Bereit {self.size + i}", self.size + i)
        draft = (
            self.rounds.get("draft")
            or db.session.scalars(
                db.select(Round).where(Round.state == "draft").order_by(Round.id)
            ).first()
        )
        rounds.set_agenda(draft, [a.id for a in rounds.ready_applications(self.jury)])
        db.session.commit()
        self.rounds["draft"] = draft

    def _open_round(self, mode: str, size: int) -> Round:
        """An open round of `size` fresh applications; members have voted, one declared a conflict."""
        applications = [self._ready(f"{mode} {size}/{i}", i) for i in range(size)]
        round_ = rounds.save_round(
            None,
            self.jury,
            mode=mode,
            title=f"{mode} {size}",
            place="Saal",
            when=datetime.now(UTC) + timedelta(days=7),
            actor=self.staff.actor,
        )
        rounds.set_agenda(round_, [a.id for a in applications])
        rounds.open_round(round_, actor=self.staff.actor)
        recorder = self.staff.actor if mode == "meeting" else None  # None: the member votes
        for participant in round_.participants[:4]:
            if mode == "meeting":
                ballots.set_presence(participant, True, actor=self.staff.actor)
            for n, item in enumerate(round_.agenda):
                if n == 0 and participant is round_.participants[0]:
                    ballots.declare_conflict(participant, item, "Mein Verein", actor=recorder)
                else:
                    ballots.cast_vote(
                        participant, item, ("yes", "no", "abstain")[n % 3], actor=recorder
                    )
        db.session.commit()
        return round_

    # --- pages -----------------------------------------------------------------------------

    def public_urls(self) -> dict[str, str]:
        slug, year = self.area.slug, transparency.current_year(self.area)
        return {
            "index": "/",
            "area": f"/{slug}/",
            "apply": f"/{slug}/apply",
            "decisions": f"/{slug}/decisions",
            "project": f"/{slug}/projects/{self.focus.reference}",
            "budget": f"/{slug}/budget",
            "report": f"/{slug}/report/{year}",
            "report.pdf": f"/{slug}/report/{year}.pdf",
            "city_report": f"/report/{year}",
            "api.areas": "/api/v1/areas",
            "api.area": f"/api/v1/areas/{slug}",
            "api.budget": f"/api/v1/areas/{slug}/budget",
        }

    def staff_urls(self) -> dict[str, str]:
        focus, r = self.focus.id, {name: round_.id for name, round_ in self.rounds.items()}
        return {
            "dashboard": "/staff/",
            "staff.area": f"/staff/areas/{self.area.id}",
            "staff.sessions": f"/staff/funds/{self.fund.id}/sessions",
            "inbox": f"/staff/areas/{self.area.id}/applications",
            "review": f"/staff/applications/{focus}",
            "money": f"/staff/applications/{focus}/money",
            "application.audit": f"/staff/applications/{focus}/audit",
            "letter": f"/staff/applications/{focus}/letter",
            "fund_year": f"/staff/fund-years/{self.fund_year.id}",
            "body": f"/staff/bodies/{self.jury.id}",
            "round.draft": f"/staff/rounds/{r['draft']}",
            "round.circulation": f"/staff/rounds/{r['circulation']}",
            "round.meeting": f"/staff/rounds/{r['meeting']}",
            "round.closed": f"/staff/rounds/{r['closed']}",
            "minutes.circulation": f"/staff/rounds/{r['circulation']}/minutes",
            "minutes.meeting": f"/staff/rounds/{r['meeting']}/minutes",
            "minutes.closed": f"/staff/rounds/{r['closed']}/minutes",
            "minutes.print": f"/staff/rounds/{r['closed']}/minutes/print",
            "round.audit": f"/staff/rounds/{r['closed']}/audit",
        }

    def admin_urls(self) -> dict[str, str]:
        return {
            "admin.dashboard": "/staff/",
            "admin.areas": "/staff/admin/areas",
            "admin.staff": "/staff/admin/staff",
        }


@pytest.fixture
def world(make, area, jury, fund, staff, decide) -> World:
    """The world with one row of everything."""
    built = World(make, area, jury, fund, staff, decide)
    built.grow(1)
    return built


def check(at_one: dict[str, int], at_many: dict[str, int]) -> None:
    """Counts equal at both sizes and within the budgets."""
    print("queries at 1 and", MANY, ":", at_one, at_many)
    assert at_many == at_one
    over = {name: (count, BUDGETS[name]) for name, count in at_one.items() if count > BUDGETS[name]}
    assert not over, f"over budget (count, budget): {over}"


def test_public_pages_do_not_grow(app, world, measure):
    client = app.test_client()
    at_one = measure(client, world.public_urls())
    world.grow(MANY)
    at_many = measure(client, world.public_urls())
    check(at_one, at_many)
    # A deep page of the decisions reads like the first one.
    year = transparency.current_year(world.area)
    pages = -(-transparency.count_decisions(world.area, year=year) // PAGE_SIZE)
    assert pages >= 3
    deep = measure(
        client, {"decisions.deep": f"/{world.area.slug}/decisions?year={year}&page={pages}"}
    )
    assert deep["decisions.deep"] == at_many["decisions"] <= BUDGETS["decisions.deep"]


def test_area_page_in_another_language_does_not_grow(app, world, measure):
    """The Turkish area page reads the texts of the area and of every fund in one query."""
    client = app.test_client()
    client.set_cookie(LANGUAGE_COOKIE, "tr")

    def translate() -> dict[str, int]:
        texts = {("tr", None, "description"): "Mahalle fonu"}
        for fund in world.area.funds:
            texts[("tr", fund.id, "eligibility_hints")] = f"Fon {fund.id} için ipuçları"
            texts[("de", fund.id, "description")] = f"Fonds {fund.id}"  # shown "only in German"
        areatexts.save_texts(world.area, texts, actor=SYSTEM)
        db.session.commit()
        return measure(client, {"area.tr": f"/{world.area.slug}/"})

    at_one = translate()
    world.grow(MANY)
    at_many = translate()
    assert len(world.area.funds) > MANY // 2
    check(at_one, at_many)


def test_status_page_and_ballot_do_not_grow(app, world, measure):
    """The applicant's status page (grant in the session) and a member's ballot of 1 and 50 items."""

    def urls(client) -> dict[str, str]:
        found = {
            "status": f"/status/{world.focus.reference}",
            "status.letter": f"/status/{world.focus.reference}/letter",
        }
        for mode in ("circulation", "meeting"):
            participant = world.rounds[mode].participants[0]
            token = rounds.ballot_token(participant)
            assert client.get(f"/ballot/link/{token}").status_code == 302
            found[f"ballot.{mode}"] = f"/ballot/{participant.round_id}"
        # Read again at once: the page kept by the first read answers.
        found["ballot.kept"] = found["ballot.circulation"]
        return found

    client = app.test_client()
    token = intake.new_status_token(world.focus)
    db.session.commit()
    assert client.get(f"/status/link/{token}").status_code == 302
    at_one = measure(client, urls(client))
    world.grow(MANY)
    at_many = measure(client, urls(client))
    assert len(world.rounds["circulation"].agenda) == MANY
    check(at_one, at_many)


def test_the_scripts_vote_answer_does_not_grow(app, world, count_queries):
    """A vote sent by the ballot's script and its answer read alike for 1 and 50 items."""

    def vote_answer() -> int:
        round_ = world.rounds["circulation"]
        participant, item = round_.participants[1], round_.agenda[-1]
        client = app.test_client()
        assert client.get(f"/ballot/link/{rounds.ballot_token(participant)}").status_code == 302
        token = csrf_from(client.get(f"/ballot/{round_.id}").get_data(as_text=True))
        path = f"/ballot/{round_.id}/items/{item.id}/vote"
        answers: list[int] = []

        def send(choice: str) -> None:
            answer = client.post(
                path,
                data={"csrf_token": token, "choice": choice},
                headers={FRAGMENT_HEADER: "item"},
            )
            answers.append(answer.status_code)

        # Each a change of the vote, so each is written and recorded in the audit trail.
        count_queries(lambda: send("no"))
        count = count_queries(lambda: send("abstain"))
        print(*count_queries.statements, sep="\n")
        assert answers == [200, 200]
        return count

    at_one = {"ballot.vote_answer": vote_answer()}
    world.grow(MANY)
    at_many = {"ballot.vote_answer": vote_answer()}
    assert len(world.rounds["circulation"].agenda) == MANY
    check(at_one, at_many)


def test_staff_and_admin_pages_do_not_grow(app, world, measure):
    staff_client, admin_client = app.test_client(), app.test_client()
    sign_in(staff_client, world.staff)
    sign_in(admin_client, world.admin)

    def counts() -> dict[str, int]:
        return measure(staff_client, world.staff_urls()) | measure(admin_client, world.admin_urls())

    at_one = counts()
    world.grow(MANY)
    at_many = counts()
    assert len(world.focus.cost_items) == MANY and len(world.rounds["closed"].agenda) == MANY
    assert len(ledger.entries_of(world.fund_year.id)) > MANY
    check(at_one, at_many)
    # The inbox's last page reads like its first.
    applications = db.session.scalar(
        db.select(db.func.count(Application.id)).where(Application.area_id == world.area.id)
    )
    pages = -(-applications // INBOX_PAGE_SIZE)
    assert pages >= 3
    deep = measure(
        staff_client, {"inbox.deep": f"/staff/areas/{world.area.id}/applications?page={pages}"}
    )
    assert deep["inbox.deep"] == at_many["inbox"] <= BUDGETS["inbox.deep"]
