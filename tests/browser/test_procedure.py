"""A jury round that would stand up to a complaint, tried in a real browser (issue 12, "Done when").

A jury of seven with two deputies meets on three applications. Member 1 applied for one of them,
and juryfund flags that conflict before anyone votes; member 2 declares a conflict and cannot
withdraw it alone; deputy 1 takes the seat of the absent member 7, and the quorum is counted over
seven seats, never nine people. The round closes, staff confirm the decisions (the rejection with
its reasons), the minutes come as a print view and a PDF, and the rejected Turkish applicant gets
a letter in Turkish with the binding German text, the reason and the notice on how to object, and
downloads it as a PDF from their status page.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from juryfund.extensions import db
from juryfund.infra.mail import deliver_pending
from juryfund.models import Application, Member, Round
from juryfund.services import rounds, setup
from tests.factories import ApplicationFactory
from tests.fixtures import PASSWORD
from tests.smtp_server import links_in, messages_to, text_of

from .conftest import fresh, requires_chromium, t

pytestmark = [pytest.mark.browser, pytest.mark.voting, requires_chromium]

REJECTION_REASON = (
    "Das Vorhaben liegt außerhalb des Quartiers und erreicht dessen Bewohner*innen nicht."
)


def _deputy(body, n: int) -> Member:
    """A resident deputy of the body."""
    return setup.save_member(
        None,
        body,
        name=f"Deputy {n}",
        email=f"deputy{n}.b{body.id}@example.org",
        language="de",
        role="resident",
        term_start=date(2020, 1, 1),
        term_end=None,
        seat="deputy",
    )


def _staff_logs_in(page, staff) -> None:
    """Staff log in through the login form."""
    page.goto("/staff/login")
    page.get_by_label(t("de", "Email")).fill(staff.email)
    page.get_by_label(t("de", "Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("de", "Log in")).click()
    page.wait_for_load_state()


def _field(form, label: str):
    """A form's field by its German label (which may end in "(required)")."""
    return form.get_by_label(re.compile("^" + re.escape(t("de", label)) + r"\b"))


def _pdf_text(data: bytes) -> str:
    """The text of every page of a PDF."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _row(page, title: str):
    """The applications table's row of an application on the round page."""
    return page.locator("table tr", has_text=title).first


def test_a_jury_round_that_stands_up_to_a_complaint(
    smtp_app, smtp_server, browser, page, live_server, area, fund, jury, staff
):
    full = [m for m in jury.members if m.seat == "full"]
    deputy, _second_deputy = _deputy(jury, 1), _deputy(jury, 2)
    applicant_member, declaring, absent = full[0], full[1], full[6]
    own = ApplicationFactory(
        area=area,
        fund=fund,
        title="Kiezgarten",
        applicant_name=applicant_member.name,
        email=applicant_member.email,
        requested_cents=40000,
    )
    turkish = ApplicationFactory(
        area=area,
        fund=fund,
        title="Çay bahçesi",
        applicant_name="Ayşe Demir",
        email="ayse.demir@example.org",
        language="tr",
        requested_cents=90000,
    )
    plain = ApplicationFactory(area=area, fund=fund, title="Lesecafé", requested_cents=30000)
    round_ = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung Dezember",
        when=datetime.now(UTC) + timedelta(days=7),
        place="Nachbarschaftshaus",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [own.id, turkish.id, plain.id])
    db.session.commit()
    round_id = round_.id

    # Before anyone votes, staff see the conflict juryfund found: member 1 applied themselves.
    _staff_logs_in(page, staff)
    page.goto(f"/staff/rounds/{round_id}")
    likely = page.locator("ul.conflicts").inner_text()
    assert applicant_member.name in likely and "Kiezgarten" in likely
    assert "Lesecafé" not in likely
    page.get_by_role("button", name=t("de", "Open round")).click()
    page.wait_for_load_state()
    assert page.locator(".state-badge").inner_text() == t("de", "Open")

    # The invitations go out through the SMTP server; member 1's names the conflict.
    assert deliver_pending() == 9  # seven members and two deputies are invited to a meeting
    [invitation] = messages_to(smtp_server, applicant_member.email)
    assert (
        "Kiezgarten"
        in text_of(invitation).split(
            t("de", "juryfund found a likely conflict of interest for you on:")
        )[1]
    )

    # Member 2 declares a conflict on the Turkish application from their ballot link and
    # cannot take it back: only the body can (§ 20 (4) VwVfG).
    [mail] = messages_to(smtp_server, declaring.email)
    link = next(url for url in links_in(mail) if "/ballot/link/" in url)
    # The member's own browser: their language must not become the staff member's.
    member_context = browser.new_context(base_url=live_server, locale="de-DE")
    member_page = member_context.new_page()
    member_page.goto(link)
    member_page.wait_for_url(f"**/ballot/{round_id}")
    fresh()
    items = {item.application_id: item for item in db.session.get(Round, round_id).agenda}
    item = member_page.locator(f"#item-{items[turkish.id].id}")
    language = declaring.language  # the ballot speaks the member's language
    item.get_by_text(t(language, "I have a conflict of interest on this application")).click()
    item.get_by_label(t(language, "Reason")).fill("Ayşe Demir ist meine Schwester.")
    item.get_by_role("button", name=t(language, "Declare conflict of interest")).click()
    member_page.wait_for_load_state()
    status = member_page.locator(f"#item-{items[turkish.id].id} .your-status").inner_text()
    assert (
        t(
            language,
            "Only the body can lift a declared conflict (§ 20 (4) VwVfG). If you declared it by mistake, please tell the QM team.",
        )
        in status
    )
    assert member_page.locator(f"#item-{items[turkish.id].id} button").count() == 0
    member_context.close()

    # Deputy 1 takes the seat of the absent member 7 on all applications.
    page.goto(f"/staff/rounds/{round_id}")
    form = page.locator("form", has=page.locator("#deputy-item"))
    _field(form, "Deputy").select_option(label=deputy.name)
    _field(form, "Takes the seat of").select_option(label=absent.name)
    _field(form, "Application").select_option(label=t("de", "All applications of the round"))
    page.get_by_role("button", name=t("de", "Name the deputy")).click()
    page.wait_for_load_state()
    deputies_text = page.locator("#deputies ~ ul").first.inner_text()
    assert (
        t("de", "%(deputy)s for %(member)s", deputy=deputy.name, member=absent.name)
        in deputies_text
    )

    # A week later the meeting is held (its round closes only once it has begun).
    db.session.execute(
        update(Round)
        .where(Round.id == round_id)
        .values(meeting_at=datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))
    )
    db.session.commit()
    page.reload()

    # The meeting: members 1-6 and deputy 1 present, member 7 and deputy 2 absent.
    record = page.locator("form.meeting-record")
    for member in full[:6] + [deputy]:
        record.get_by_label(t("de", "%(name)s is present", name=member.name)).check()
    votes = {
        "Kiezgarten": "yes",  # member 1 is excluded and gets no vote box
        "Çay bahçesi": "no",  # member 2 is excluded
        "Lesecafé": "yes",
    }
    for member in full[:6] + [deputy]:
        for title, choice in votes.items():
            box = record.get_by_label(
                t("de", "Vote of %(name)s on %(title)s", name=member.name, title=title)
            )
            if box.count():
                box.select_option(choice)
    assert (
        record.get_by_label(
            t("de", "Vote of %(name)s on %(title)s", name=applicant_member.name, title="Kiezgarten")
        ).count()
        == 0
    )
    record.get_by_role("button", name=t("de", "Save meeting record")).click()
    page.wait_for_load_state()

    # Seven seats, never nine people: six take part where one member is excluded, seven where
    # none is (deputy 1 in the seat of member 7).
    assert _row(page, "Lesecafé").locator("td").nth(1).inner_text() == "7 / 7"
    assert _row(page, "Kiezgarten").locator("td").nth(1).inner_text() == "6 / 6"
    assert _row(page, "Çay bahçesi").locator("td").nth(1).inner_text() == "6 / 6"

    page.get_by_role("button", name=t("de", "Close round and count")).click()
    page.wait_for_load_state()
    assert page.locator(".state-badge").inner_text() == t("de", "Closed")
    fresh()
    closed = db.session.get(Round, round_id)
    results = {item.application.title: (item.result, item.eligible) for item in closed.agenda}
    assert results == {
        "Kiezgarten": ("approved", 6),
        "Çay bahçesi": ("rejected", 6),
        "Lesecafé": ("approved", 7),
    }

    # Staff confirm the rejection with its reasons; the letter goes out through the outbox.
    smtp_server.messages.clear()
    page.get_by_role("link", name=t("de", "Confirm rejection with reasons")).click()
    page.wait_for_load_state()
    page.get_by_role("button", name=t("de", "Confirm rejection and send letter")).click()
    page.wait_for_load_state()
    assert page.locator("#reasons-error").is_visible()  # the reasons are required
    _field(page, "Reasons for the rejection").fill(REJECTION_REASON)
    page.get_by_role("button", name=t("de", "Confirm rejection and send letter")).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/staff/rounds/{round_id}")
    fresh()
    assert db.session.get(Application, turkish.id).state == "rejected"

    # Staff record the course of the meeting; the minutes, as print view and as PDF, list the
    # place, times, chair and minute-taker, who was there, the deputy and whose seat, the rule
    # in words, each item's counts in grammatical German, the exclusion and the reasons.
    course = page.locator("form", has=page.locator("#minute_taker"))
    course.locator("#ended_at").fill(
        (datetime.now(UTC) + timedelta(days=7, hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    course.locator("#chair").select_option(f"s-{staff.id}")
    course.locator("#minute_taker").fill("Paula Protokoll")
    course.get_by_role("button", name=t("de", "Save")).click()
    page.wait_for_load_state()
    page.goto(f"/staff/rounds/{round_id}/minutes/print")
    printed = " ".join(page.locator("body").inner_text().split())
    with page.expect_download() as minutes_download:
        page.goto(f"/staff/rounds/{round_id}/minutes")
        page.get_by_role("link", name=t("de", "Download as PDF")).click()
    with open(minutes_download.value.path(), "rb") as minutes_pdf:
        pdf_text = " ".join(_pdf_text(minutes_pdf.read()).split())
    for expected in (
        "Nachbarschaftshaus",
        "Protokollführung Paula Protokoll",
        f"Sitzungsleitung {staff.name}",
        "mehr als die Hälfte",
        f"Abwesende Mitglieder {absent.name}",
        f"Deputy 1 für {absent.name}",
        applicant_member.name,
        "bei der Prüfung durch juryfund festgestellt: gleiche E-Mail-Adresse",
        "Ausgeschlossen; das Gremium hat nicht anders entschieden.",
        "vom Mitglied erklärt",
        REJECTION_REASON,
        "Ergebnis: Abgelehnt",
    ):
        assert expected in printed, expected
        assert expected in pdf_text, expected
    assert re.search(r"\b1 Nein-Stimme\b|\b[02-9] Nein-Stimmen\b", pdf_text)
    assert "1 Nein-Stimmen" not in pdf_text

    # The Turkish applicant's letter: Turkish first, then the binding German text, each with
    # the reason and the notice on how to object.
    assert deliver_pending() == 1
    [letter] = messages_to(smtp_server, "ayse.demir@example.org")
    text = text_of(letter)
    assert letter["Content-Language"] == "tr"
    assert t("tr", "Reasons:") in text and t("de", "Reasons:") in text
    assert text.count(REJECTION_REASON) == 2
    objection = (
        "You can object to this decision (Widerspruch) within one month of receiving this letter."
    )
    assert t("tr", objection) in text and t("de", objection) in text
    assert (
        t(
            "tr",
            "This is a translation for your convenience. Only the German text is legally binding.",
        )
        in text
    )

    # From the status link in the letter, the applicant downloads the letter as a PDF.
    [status_url] = [link for link in links_in(letter) if "/status/link/" in link]
    page.goto(status_url)  # mail links point at the live server
    page.wait_for_load_state()
    with page.expect_download() as download:
        page.get_by_role("link", name=t("tr", "Download letter (PDF)")).click()
    with open(download.value.path(), "rb") as pdf:
        data = pdf.read()
    assert data.startswith(b"%PDF-")
    letter_text = " ".join(_pdf_text(data).split())
    # Turkish first, then the binding German text: the reason stands in both.
    assert letter_text.count(" ".join(REJECTION_REASON.split())) == 2
