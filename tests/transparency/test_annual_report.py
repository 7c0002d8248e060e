"""The annual report as a document (issue 17 item 3): the Jahresbericht of an area and year as a
page and a PDF, with the approved, consented project stories and their photos, participation
figures and spent vs remaining money per fund year; the city report for the funder; og:image on
project pages."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from pypdf import PdfReader

from juryfund.domain.actors import Actor
from juryfund.extensions import db
from juryfund.services import books, ledger, privacy, setup, stories, transparency
from juryfund.services.privacy import Consent
from juryfund.services.stories import NewPhoto
from juryfund.web.transparency.cityreport import city_totals
from tests.factories import ApplicationFactory, FundYearFactory
from tests.perf.conftest import count_queries  # noqa: F401  (the shared query counter)
from tests.photos import phone_jpeg, png

from .conftest import ALT_BED, ALT_KIDS, STORY, Spec

pytestmark = pytest.mark.transparency


def tell(application, staff, *, photos=2, approve=True) -> None:
    """The applicant's story with photos (phone JPEGs), approved by staff; committed."""
    pictures = [(phone_jpeg("green"), ALT_BED), (phone_jpeg("orange"), ALT_KIDS)][:photos]
    stories.save(
        application,
        text=STORY,
        consent=True,
        photos=[
            NewPhoto(data=data, alt_text=alt, field=f"new_photos-{i}-file")
            for i, (data, alt) in enumerate(pictures)
        ],
        actor=Actor.applicant(application.reference),
    )
    if approve:
        stories.approve(application, actor=staff.actor)
    db.session.commit()


def withdraw(application, staff) -> None:
    """The applicant withdraws the consent to publish the story (by letter, through staff)."""
    privacy.withdraw_consent(
        application, Consent.PUBLISH_STORY, actor=staff.actor, note="Brief vom 3. Dezember"
    )
    db.session.commit()


def flat(text: str) -> str:
    """Text with every run of white space as one space (PDF text breaks lines anywhere)."""
    return " ".join(text.split())


def pdf_of(client, url: str, language: str = "de"):
    """The PDF at the URL, read back: (reader, its text on one line)."""
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    return reader, flat(" ".join(page.extract_text() or "" for page in reader.pages))


def image_count(reader: PdfReader) -> int:
    """Photos embedded in the PDF, each once (WeasyPrint shares one resource dictionary
    between pages, so every page lists every image)."""
    return len(
        {hashlib.sha256(image.data).hexdigest() for page in reader.pages for image in page.images}
    )


def report_url(area, year=None) -> str:
    return f"/{area.slug}/report/{year or transparency.current_year(area)}"


# --- the Done-when path ----------------------------------------------------------------------


def test_a_settled_projects_story_with_two_photos_is_in_the_report_page_and_pdf_until_withdrawn(
    app, settled, staff
):
    """A resident's story with two photos of a settled project, approved by staff: the annual
    report's page shows its text and both photos, and the PDF has the text and both photos
    embedded; once the consent is withdrawn neither shows any of it."""
    public = app.test_client()
    area = settled.area
    # Waiting for approval: not in the report.
    tell(settled, staff, approve=False)
    page = public.get(report_url(area)).get_data(as_text=True)
    assert "Pflanzaktion" in page and STORY not in page
    _reader, text = pdf_of(public, report_url(area) + ".pdf")
    assert "Nachbarinnen" not in text

    stories.approve(settled, actor=staff.actor)
    db.session.commit()
    page = public.get(report_url(area)).get_data(as_text=True)
    story = re.search(r'<article class="report-story".*?</article>', page, re.S).group(0)
    assert "Pflanzaktion" in story and STORY in unescape(story)
    assert f'alt="{ALT_BED}"' in story and f'alt="{ALT_KIDS}"' in story
    photos = re.findall(r'src="(/[^"]+/projects/[^"]+/photos/\d+)"', story)
    assert len(photos) == 2
    for url in photos:  # the links the page shows are the project's public photos
        assert public.get(url).status_code == 200
    assert f'href="{report_url(area)}.pdf"' in page

    reader, text = pdf_of(public, report_url(area) + ".pdf")
    assert "Pflanzaktion" in text and flat(STORY) in text
    assert image_count(reader) == 2
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert len(reader.pages) >= 2 or "1 / 1" in text  # page numbers in the footer

    withdraw(settled, staff)
    page = public.get(report_url(area)).get_data(as_text=True)
    assert "Pflanzaktion" in page  # the project stays, its story is gone
    assert STORY not in unescape(page) and ALT_BED not in page and "report-story" not in page
    reader, text = pdf_of(public, report_url(area) + ".pdf")
    assert "Pflanzaktion" in text and "Nachbarinnen" not in text
    assert image_count(reader) == 0


def test_a_cached_report_shows_a_newly_approved_story_at_once(app, settled, staff):
    """The report page and its PDF come from the page cache, yet an approval shows at once."""
    public = app.test_client()
    url = report_url(settled.area)
    tell(settled, staff, approve=False)
    cache = app.extensions["juryfund.pagecache"]
    first = public.get(url).get_data()
    hits = cache.hits
    assert public.get(url).get_data() == first and cache.hits == hits + 1  # from the cache
    public.get(url + ".pdf")
    hits = cache.hits
    public.get(url + ".pdf")
    assert cache.hits == hits + 1

    stories.approve(settled, actor=staff.actor)
    db.session.commit()
    assert STORY in unescape(public.get(url).get_data(as_text=True))
    _reader, text = pdf_of(public, url + ".pdf")
    assert flat(STORY) in text


def test_the_report_in_arabic_is_right_to_left_page_and_pdf(app, settled, staff):
    tell(settled, staff, photos=1)
    public = app.test_client()
    html = public.get(report_url(settled.area), headers={"Accept-Language": "ar"}).get_data(
        as_text=True
    )
    assert '<html lang="ar" dir="rtl"' in html
    assert 'direction="rtl"' in html  # the chart is mirrored
    assert STORY in unescape(html)
    reader, text = pdf_of(public, report_url(settled.area) + ".pdf", "ar")
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    assert "Pflanzaktion" in text and image_count(reader) == 1


# --- figures ---------------------------------------------------------------------------------


@pytest.fixture
def two_years(app, area, fund, jury, staff, make, decide, clock_at):
    """A hand-built dataset over two fund years of the Aktionsfonds, and a second area.

    Last year (5,000 €): "Alt A" approved with 1,000 € (250 € paid then, 150 € paid this year:
    still last year's money), "Alt B" and "Alt C" rejected. This year (10,000 €): "Neu A" 600 €
    (all paid) and "Neu B" 400 € approved, "Neu C" and "Neu D" rejected; one more application
    received, not decided. The second area has 3,000 € and one application, nothing decided.
    """
    year = transparency.current_year(area)
    now = datetime.now(UTC)
    FundYearFactory(fund=fund, year=year - 1, allocation_cents=500_000)
    last_june = datetime(year - 1, 6, 15, 10, tzinfo=UTC)
    clock_at(last_june)
    old_a, _b, _c = decide(
        [
            Spec("Alt A", 100_000),
            Spec("Alt B", outcome="rejected"),
            Spec("Alt C", outcome="rejected"),
        ],
        at=last_june - timedelta(hours=1),
    )
    books.record_payment(
        old_a, amount_cents=25_000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()

    clock_at(now)
    new_a, _nb, _nc, _nd = decide(
        [
            Spec("Neu A", 60_000),
            Spec("Neu B", 40_000),
            Spec("Neu C", outcome="rejected"),
            Spec("Neu D", outcome="rejected"),
        ]
    )
    ApplicationFactory(area=area, fund=fund, title="Noch offen", language="tr")
    books.record_payment(
        new_a, amount_cents=60_000, payment_type="advance", note="", actor=staff.actor
    )
    # Paid this year, yet for last year's commitment: last year's money.
    books.record_payment(
        old_a, amount_cents=15_000, payment_type="instalment", note="", actor=staff.actor
    )
    db.session.commit()

    other = make.area(name="Brunnenviertel", slug="brunnenviertel", code="BRU")
    other_jury = make.body(other)
    other_fund = make.fund(other, other_jury, allocation_cents=300_000)
    ApplicationFactory(area=other, fund=other_fund, title="Kiezfest Brunnen")
    db.session.commit()
    return year, other


def money(balances) -> tuple[int, int, int, int]:
    return balances.allocated, balances.committed, balances.paid, balances.available


def test_report_figures_per_fund_year_from_a_hand_built_dataset(client, area, two_years):
    year, _other = two_years
    this = transparency.annual_report(area, year)
    assert [p.title for p in this.projects] == ["Neu A", "Neu B"]
    assert money(this.budget.totals) == (1_000_000, 100_000, 60_000, 900_000)
    assert this.participation.applications == 5  # four decided, one still open
    assert (this.participation.approved, this.participation.rejected) == (2, 2)
    assert this.participation.approval_bp == 5000
    assert this.participation.sessions == {"jury": 1}
    assert this.participation.languages == [("de", 4), ("tr", 1)]

    last = transparency.annual_report(area, year - 1)
    assert [p.title for p in last.projects] == ["Alt A"]
    # 400 € paid: 250 € last year and 150 € this year, all of it last year's commitment.
    assert money(last.budget.totals) == (500_000, 100_000, 40_000, 400_000)
    assert last.participation.applications == 3
    assert last.participation.approval_bp == 3333  # one of three
    assert last.participation.sessions == {"jury": 1}

    html = client.get(report_url(area, year), headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert '<dd data-key="applications">5</dd>' in html
    assert '<dd data-key="approval-rate">50 %</dd>' in html
    assert "Turkish (1)" in html and "German (4)" in html
    money_table = re.search(r'<table class="numbers report-money">.*?</table>', html, re.S).group(0)
    assert re.search(
        r'<td data-series="allocated">€10,000.00</td><td data-series="committed">€1,000.00</td>'
        r'<td data-series="paid">€600.00</td><td data-series="available">€9,000.00</td>',
        money_table,
    )
    html = client.get(report_url(area, year - 1), headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert '<td data-series="paid">€400.00</td>' in html
    assert '<dd data-key="approval-rate">33.33 %</dd>' in html


def test_the_city_report_sums_match_the_areas_reports(client, area, two_years):
    year, other = two_years
    figures = transparency.city_report(year)
    assert [f.slug for f in figures] == ["brunnenviertel", area.slug]  # by name
    for f, shown in zip(figures, (other, area), strict=True):
        own = transparency.annual_report(shown, year)
        assert money(f.balances) == money(own.budget.totals)
        assert f.participation == own.participation
    totals = city_totals(figures)
    assert money(totals.balances) == (1_300_000, 100_000, 60_000, 1_200_000)
    assert (totals.applications, totals.approved, totals.rejected) == (6, 2, 2)

    response = client.get(f"/report/{year}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    footer = re.search(r"<tfoot>.*?</tfoot>", html, re.S).group(0)
    assert '<td data-series="allocated">€13,000.00</td>' in footer
    assert '<td data-series="available">€12,000.00</td>' in footer
    assert '<td data-key="applications">6</td>' in footer
    assert '<td data-key="approval-rate">50 %</td>' in footer
    row = re.search(r'<tr data-area="brunnenviertel">.*?</tr>', html, re.S).group(0)
    assert f'href="/brunnenviertel/report/{year}"' in row
    assert '<td data-series="allocated">€3,000.00</td>' in row
    assert '<td data-key="applications">1</td>' in row
    assert "not applicable" in row  # no decisions: no rate
    assert '<svg class="budget-chart"' in html and "Brunnenviertel:" in html  # chart and its text

    assert client.get("/report").headers["Location"].endswith(f"/report/{year}")
    _reader, text = pdf_of(client, f"/report/{year}.pdf", "en")
    assert "Brunnenviertel" in text and "€13,000.00" in text
    assert client.get("/report/1999").status_code == 404


def test_the_report_chart_reads_in_black_and_white(client, area, fund, decide):
    decide([Spec("Hoffest", 60_000)])
    html = client.get(report_url(area), headers={"Accept-Language": "en"}).get_data(as_text=True)
    svg = re.search(r'<svg class="budget-chart".*?</svg>', html, re.S).group(0)
    patterns = re.findall(r'<pattern id="(report-chart-[a-z_]+)"', svg)
    assert len(patterns) == 5  # one per series; "lapsed or carried over" shows once closed
    bars = re.findall(r'<rect class="bar"[^>]*fill="url\(#([a-z_-]+)\)"', svg)
    assert len(set(bars)) == len(bars) == 4 and set(bars) <= set(patterns)  # each its own
    labels = re.findall(r'<text class="chart-label"[^>]*>([^<]+)</text>', svg)
    assert labels == ["Budget", "Committed", "Spent", "Remaining"]
    values = re.findall(r'<text class="chart-value"[^>]*>([^<]+)</text>', svg)
    assert values == ["€10,000.00", "€600.00", "€0.00", "€9,400.00"]
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    assert "Budget €10,000.00" in desc and "Remaining €9,400.00" in desc
    assert 'role="img"' in svg and "aria-describedby" in svg


@pytest.fixture
def closed_year(approved, area, fund, staff, clock_at):
    """Last year's books closed on 10 January: "Pflanzaktion" approved with 400 € of the
    10,000 €, so 9,600 € lapsed (the fund does not carry money over); this year opened with
    10,000 €. Returns last year."""
    year = transparency.current_year(area)
    clock_at(datetime(year + 1, 1, 10, 12, tzinfo=UTC))
    setup.open_fund_year(fund, year=year + 1, allocation_cents=1_000_000, actor=staff.actor)
    db.session.commit()
    fund.carry_over = False
    last = ledger.year_of_fund(fund.id, year)
    books.close_year(last, actor=staff.actor)
    db.session.commit()
    assert ledger.balances_of(last.id).lapsed == 960_000
    return year


def test_annual_report_of_a_closed_year_shows_what_lapsed_not_a_remaining_figure(
    client, area, closed_year
):
    """DESIGN.md §5: a closed year never shows "available". The annual report of the closed
    year, the document sent to the funder, shows the 9,600 € that lapsed, in its table and its
    chart, and no "Remaining 0,00 €"."""
    html = client.get(report_url(area, closed_year), headers={"Accept-Language": "en"})
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    table = re.search(r'<table class="numbers report-money">.*?</table>', text, re.S).group(0)
    assert '<td data-series="lapsed_or_carried">€9,600.00</td>' in table  # row and total
    assert "Lapsed or carried over" in table
    assert 'data-series="available"' not in table and "Remaining" not in table
    svg = re.search(r'<svg class="budget-chart".*?</svg>', text, re.S).group(0)
    labels = re.findall(r'<text class="chart-label"[^>]*>([^<]+)</text>', svg)
    assert labels == ["Budget", "Committed", "Spent", "Lapsed or carried over"]
    assert "Remaining" not in svg and "€9,600.00" in svg
    _reader, pdf_text = pdf_of(client, report_url(area, closed_year) + ".pdf", "en")
    assert "€9,600.00" in pdf_text and "Remaining" not in pdf_text


def test_annual_report_of_a_closed_year_in_arabic_keeps_its_layout(client, area, closed_year):
    """The closed year's report in Arabic: right to left, the chart mirrored, the lapsed
    money in the table with no "remaining" column."""
    text = client.get(report_url(area, closed_year), headers={"Accept-Language": "ar"}).get_data(
        as_text=True
    )
    assert '<html lang="ar" dir="rtl"' in text and 'direction="rtl"' in text
    table = re.search(r'<table class="numbers report-money">.*?</table>', text, re.S).group(0)
    assert 'data-series="lapsed_or_carried"' in table
    assert 'data-series="available"' not in table


def test_city_report_of_a_closed_year_shows_what_lapsed_not_a_remaining_figure(
    client, area, closed_year
):
    """The city report of a year every area closed shows per area and in total what lapsed,
    and has no "Remaining" column; its chart has no "Remaining" bar."""
    text = client.get(f"/report/{closed_year}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    table = re.search(r'<table class="numbers city-table">.*?</table>', text, re.S).group(0)
    row = re.search(r'<tr data-area="[^"]+">.*?</tr>', table, re.S).group(0)
    assert "(closed)" in row
    assert '<td data-series="lapsed_or_carried">€9,600.00</td>' in row
    footer = re.search(r"<tfoot>.*?</tfoot>", table, re.S).group(0)
    assert '<td data-series="lapsed_or_carried">€9,600.00</td>' in footer
    assert 'data-series="available"' not in table and "Remaining" not in table
    svg = re.search(r'<svg class="budget-chart".*?</svg>', text, re.S).group(0)
    assert "Remaining" not in svg and "Lapsed or carried over" in svg


def test_city_report_shows_remaining_money_of_an_area_whose_year_is_still_open(
    client, area, closed_year, make
):
    """Another area keeps last year open (3,000 €, nothing spent): in the city report it still
    shows what remains, with no lapsed money, while the closed area shows what lapsed and no
    remaining money; the total row shows both."""
    other = make.area(name="Brunnenviertel", slug="brunnenviertel", code="BRU")
    make.fund(other, make.body(other), allocation_cents=300_000, year=closed_year)
    db.session.commit()
    text = client.get(f"/report/{closed_year}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    table = re.search(r'<table class="numbers city-table">.*?</table>', text, re.S).group(0)
    still_open = re.search(r'<tr data-area="brunnenviertel">.*?</tr>', table, re.S).group(0)
    closed = re.search(rf'<tr data-area="{area.slug}">.*?</tr>', table, re.S).group(0)
    dash = '<span aria-hidden="true">–</span><span class="visually-hidden">not applicable</span>'
    assert '<td data-series="available">€3,000.00</td>' in still_open
    assert f'<td data-series="lapsed_or_carried">{dash}</td>' in still_open
    assert f'<td data-series="available">{dash}</td>' in closed
    assert '<td data-series="lapsed_or_carried">€9,600.00</td>' in closed
    footer = re.search(r"<tfoot>.*?</tfoot>", table, re.S).group(0)
    assert '<td data-series="available">€3,000.00</td>' in footer
    assert '<td data-series="lapsed_or_carried">€9,600.00</td>' in footer


def test_cancelled_projects_note_says_paid_money_is_owed_back(client, approved, area, staff):
    """A project cancelled after a 150 € advance it never paid back: the annual report does
    not claim its money went back to the fund; it says paid money is owed back."""
    books.record_payment(
        approved, amount_cents=15_000, payment_type="advance", note="", actor=staff.actor
    )
    books.cancel(approved, reason="Die Gruppe hat sich aufgelöst.", actor=staff.actor)
    db.session.commit()
    text = client.get(report_url(area), headers={"Accept-Language": "en"}).get_data(as_text=True)
    cancelled = text[text.index("Cancelled projects") :]
    cancelled = cancelled[: cancelled.index("</ul>")]
    assert approved.reference in cancelled
    assert "their money went back to the fund" not in cancelled
    assert "owed back" in cancelled


# --- sharing ---------------------------------------------------------------------------------


def og_tags(html: str) -> dict[str, str]:
    head = html.split("</head>", 1)[0]
    return {
        name: unescape(value)
        for name, value in re.findall(r'<meta property="(og:[a-z_:]+)" content="([^"]*)">', head)
    }


def test_og_image_is_the_first_approved_consented_story_photo(app, settled, staff):
    public = app.test_client()
    url = f"/{settled.area.slug}/projects/{settled.reference}"
    assert "og:image" not in og_tags(public.get(url).get_data(as_text=True))
    tell(settled, staff, approve=False)
    assert "og:image" not in og_tags(public.get(url).get_data(as_text=True))  # not approved yet

    stories.approve(settled, actor=staff.actor)
    db.session.commit()
    tags = og_tags(public.get(url).get_data(as_text=True))
    base = app.config["JURYFUND_BASE_URL"].rstrip("/")
    first = min(photo.id for photo in stories.find(settled).photos)
    assert tags["og:image"] == f"{base}{url}/photos/{first}"  # absolute
    assert tags["og:image:alt"] == ALT_BED
    assert public.get(f"{url}/photos/{first}").status_code == 200

    withdraw(settled, staff)
    assert "og:image" not in og_tags(public.get(url).get_data(as_text=True))


def test_the_report_reads_its_stories_with_a_constant_number_of_queries(
    client, area, staff, decide, count_queries
):
    """One story with one photo or three stories with two photos each: the same queries (the
    stories and their photos are read for all projects at once), on the page and in the PDF."""
    projects = decide([Spec(f"Aktion {i}", 30_000) for i in range(3)])
    small = [(png((64, 48)), ALT_BED), (png((48, 64)), ALT_KIDS)]

    def story(application, photos):
        stories.save(
            application,
            text=f"{STORY} ({application.title})",
            consent=True,
            photos=[
                NewPhoto(data=data, alt_text=alt, field=f"new_photos-{i}-file")
                for i, (data, alt) in enumerate(photos)
            ],
            actor=Actor.applicant(application.reference),
        )
        stories.approve(application, actor=staff.actor)
        db.session.commit()

    url = report_url(area)
    story(projects[0], small[:1])
    one = [count_queries(lambda u=u: client.get(u).get_data()) for u in (url, url + ".pdf")]
    for application in projects[1:]:
        story(application, small)
    three = [count_queries(lambda u=u: client.get(u).get_data()) for u in (url, url + ".pdf")]
    assert one == three
    assert (
        len(re.findall(r'<article class="report-story"', client.get(url).get_data(as_text=True)))
        == 3
    )
