"""Staff login and logout, the `next` redirect, access control of every staff page, CSRF."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.models import Area, Body, Fund, FundYear, Member, StaffUser
from juryfund.services import accounts

from ..conftest import PASSWORD, csrf_from

pytestmark = pytest.mark.foundation

GENERIC = (
    "Email or password is wrong. After 5 failed attempts in a row an account is locked for "
    "15 minutes."
)


@pytest.fixture
def client(app):
    """A browser set to English; `login` and `post_form` use it too."""
    client = app.test_client()
    client.set_cookie("juryfund_lang", "en")
    return client


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Cheap hashes for the accounts these tests make; the login still checks them for real."""
    from werkzeug.security import generate_password_hash

    import juryfund.models.staff as staff_model

    monkeypatch.setattr(
        staff_model,
        "generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )


@pytest.fixture
def second_client(app):
    """Another browser, reading English like the main one."""
    browser = app.test_client()
    browser.set_cookie("juryfund_lang", "en")
    return browser


class Page(HTMLParser):
    """Just enough of a page: the error summary's items and the attributes of inputs by id."""

    VOID = {"input", "br", "meta", "link", "img", "hr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.summary: list[str] = []
        self.inputs: dict[str, dict[str, str | None]] = {}
        self._stack: list[tuple[str, str | None, bool]] = []
        self.feed(html)
        self.close()

    def _in(self, element_id: str) -> bool:
        return any(el_id == element_id for _tag, el_id, _hidden in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("id"):
            self.inputs[attrs["id"]] = attrs
        if tag in self.VOID:
            return
        if tag == "li" and self._in("error-summary"):
            self.summary.append("")
        hidden = "visually-hidden" in (attrs.get("class") or "").split()
        self._stack.append((tag, attrs.get("id"), hidden))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if self._in("error-summary") and any(t == "li" for t, _i, _h in self._stack):
            self.summary[-1] = " ".join((self.summary[-1] + data).split())


def page_of(response) -> Page:
    return Page(response.get_data(as_text=True))


def login_post(client, email: str, password: str, next_: str | None = None):
    """Fill in the login form as a browser would."""
    url = "/staff/login" + (f"?next={quote(next_, safe='')}" if next_ is not None else "")
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "email": email, "password": password})


def logged_in(client) -> bool:
    """True when the client's session reaches the staff start page."""
    return client.get("/staff/").status_code == 200


# --- login ------------------------------------------------------------------------------------


def test_login_valid_credentials_lands_on_staff_start(client, make):
    admin = make.admin(email="ada@example.org")

    response = login_post(client, "ada@example.org", PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    db.session.rollback()
    assert db.session.get(StaffUser, admin.id).last_login_at is not None


def test_login_email_in_other_case_with_blanks_is_accepted(client, make):
    make.staff(email="sam@example.org")

    response = login_post(client, "  Sam@Example.ORG ", PASSWORD)

    assert (response.status_code, response.headers["Location"]) == (302, "/staff/")


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("sam@example.org", "wrong password 123"),
        ("nobody@example.org", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_login_wrong_credentials_show_one_generic_message(client, make, email, password):
    make.staff(email="sam@example.org")

    response = login_post(client, email, password)

    page = page_of(response)
    assert response.status_code == 200
    assert page.summary == [GENERIC]
    assert page.inputs["email"]["value"] == email
    assert page.inputs["password"].get("value", "") == ""  # a password is never sent back
    assert not logged_in(client)


def test_login_wrong_password_and_unknown_email_pages_are_identical(client, make):
    make.staff(email="sam@example.org")

    wrong_password = page_of(login_post(client, "sam@example.org", "wrong password 123"))
    unknown_email = page_of(login_post(client, "nobody@example.org", "wrong password 123"))

    assert wrong_password.summary == unknown_email.summary == [GENERIC]


def test_login_empty_fields_are_required(client, make):
    response = login_post(client, "", "")

    assert response.status_code == 200
    assert page_of(response).summary == [
        "Email: This field is required.",
        "Password: This field is required.",
    ]


def test_login_deactivated_account_is_refused_with_generic_message(client, make):
    user = make.staff(email="gone@example.org")
    user.active = False
    db.session.commit()

    response = login_post(client, "gone@example.org", PASSWORD)

    assert response.status_code == 200
    assert page_of(response).summary == [GENERIC]
    assert not logged_in(client)


def test_login_page_when_logged_in_goes_to_staff_start(client, make, login):
    login(make.staff())

    response = client.get("/staff/login")

    assert (response.status_code, response.headers["Location"]) == (302, "/staff/")


def test_login_starts_a_fresh_session(client, make):
    make.staff(email="sam@example.org")
    client.get("/staff/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"

    login_post(client, "sam@example.org", PASSWORD)

    with client.session_transaction() as session:
        assert "planted" not in session


# --- next -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "/\tevil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "http:evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_next_to_another_site_lands_on_staff_start(client, make, target):
    make.staff(email="sam@example.org")

    response = login_post(client, "sam@example.org", PASSWORD, next_=target)

    assert (response.status_code, response.headers["Location"]) == (302, "/staff/")


def test_login_next_local_path_is_followed(client, make):
    make.admin(email="ada@example.org")

    response = login_post(client, "ada@example.org", PASSWORD, next_="/staff/admin/areas")

    assert (response.status_code, response.headers["Location"]) == (302, "/staff/admin/areas")


def test_login_after_redirect_returns_to_the_page_asked_for(client, make):
    make.admin(email="ada@example.org")

    to_login = client.get("/staff/admin/staff")
    location = to_login.headers["Location"]
    back = login_post(client, "ada@example.org", PASSWORD, next_="/staff/admin/staff")

    assert (to_login.status_code, location) == (302, "/staff/login?next=%2Fstaff%2Fadmin%2Fstaff")
    assert (back.status_code, back.headers["Location"]) == (302, "/staff/admin/staff")


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example"])
def test_login_page_when_logged_in_ignores_foreign_next(client, make, login, target):
    login(make.staff())

    response = client.get(f"/staff/login?next={quote(target, safe='')}")

    assert (response.status_code, response.headers["Location"]) == (302, "/staff/")


# --- logout -----------------------------------------------------------------------------------


def test_logout_by_get_is_not_allowed(client, make, login):
    login(make.staff())

    response = client.get("/staff/logout")

    assert response.status_code == 405
    assert logged_in(client)


def test_logout_ends_this_and_every_other_session(client, second_client, make, login):
    user = make.staff(email="sam@example.org")
    login(user)
    assert login_post(second_client, "sam@example.org", PASSWORD).status_code == 302
    assert logged_in(second_client)

    token = csrf_from(client.get("/staff/").get_data(as_text=True))
    response = client.post("/staff/logout", data={"csrf_token": token})

    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert client.get("/staff/").status_code == 302
    assert second_client.get("/staff/").headers["Location"] == "/staff/login?next=%2Fstaff%2F"
    db.session.rollback()
    assert db.session.get(StaffUser, user.id).session_version == 2


def test_logout_without_csrf_token_is_refused(client, make, login):
    login(make.staff())

    response = client.post("/staff/logout")

    assert response.status_code == 400
    assert logged_in(client)


def test_password_change_by_admin_ends_sessions_of_that_account(client, second_client, make, login):
    admin = make.admin(email="ada@example.org")
    staff = make.staff(email="sam@example.org")
    assert login_post(second_client, "sam@example.org", PASSWORD).status_code == 302
    login(admin)

    url = f"/staff/admin/staff/{staff.id}/edit"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "email": "sam@example.org",
            "name": "Sam Staff",
            "role": "staff",
            "active": "y",
            "password": "a new long password",
        },
    )

    assert response.status_code == 302
    assert not logged_in(second_client)
    assert login_post(second_client, "sam@example.org", "a new long password").status_code == 302


def test_deactivating_an_account_ends_its_sessions(client, second_client, make, login):
    admin = make.admin(email="ada@example.org")
    staff = make.staff(email="sam@example.org")
    assert login_post(second_client, "sam@example.org", PASSWORD).status_code == 302
    login(admin)

    url = f"/staff/admin/staff/{staff.id}/edit"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={"csrf_token": token, "email": "sam@example.org", "name": "Sam", "role": "staff"},
    )

    assert response.status_code == 302
    assert not logged_in(second_client)
    assert page_of(login_post(second_client, "sam@example.org", PASSWORD)).summary == [GENERIC]


def test_admin_changing_own_password_stays_logged_in(client, make, login):
    admin = make.admin(email="ada@example.org")
    login(admin)

    url = f"/staff/admin/staff/{admin.id}/edit"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "email": "ada@example.org",
            "name": "Ada Admin",
            "role": "admin",
            "active": "y",
            "password": "my new long password",
        },
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/staff/admin/staff")
    assert logged_in(client)


# --- create-admin -----------------------------------------------------------------------------


def test_create_admin_command_makes_an_account_that_can_log_in(runner, client):
    result = runner.invoke(
        args=["juryfund", "create-admin", "Root@Example.org", "--password", "a long password"]
    )

    assert (result.exit_code, result.output) == (0, "Administrator Root@Example.org created.\n")
    user = db.session.scalar(select(StaffUser))
    assert (user.email, user.role, user.active) == ("root@example.org", "admin", True)
    assert login_post(client, "root@example.org", "a long password").status_code == 302


def test_create_admin_command_asks_for_the_password(runner):
    result = runner.invoke(
        args=["juryfund", "create-admin", "root@example.org"],
        input="a long password\na long password\n",
    )

    assert result.exit_code == 0
    assert db.session.scalar(select(StaffUser.email)) == "root@example.org"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("root@example.org", "short", "The password needs at least 10 characters."),
        ("ADA@example.org", "a long password", "An account with this email already exists."),
    ],
    ids=["short-password", "email-taken"],
)
def test_create_admin_command_refuses_bad_input(runner, make, email, password, message):
    make.admin(email="ada@example.org")

    result = runner.invoke(args=["juryfund", "create-admin", email, "--password", password])

    assert (result.exit_code, result.output) == (1, f"Error: {message}\n")
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 1


# --- access -----------------------------------------------------------------------------------


@pytest.fixture
def world(make):
    """Two areas, each with a jury of three, an action fund and this year's fund year."""
    home, other = make.area(name="Soldiner Kiez"), make.area(name="Lerchenberg")
    ids = {}
    for key, area in (("home", home), ("other", other)):
        body = make.body(area, members=3)
        fund = make.fund(area, body)
        ids[key] = {
            "area": area.id,
            "body": body.id,
            "fund": fund.id,
            "member": body.members[0].id,
        }
    staff = make.staff(email="sam@example.org", areas=[home])
    admin = make.admin(email="ada@example.org")
    return {"ids": ids, "staff": staff, "admin": admin}


#: Every staff page of one area, by the ids of that area's objects.
AREA_PAGES = [
    "/staff/areas/{area}",
    "/staff/areas/{area}/funds/new",
    "/staff/funds/{fund}/edit",
    "/staff/funds/{fund}/years/new",
    "/staff/areas/{area}/bodies/new",
    "/staff/bodies/{body}",
    "/staff/bodies/{body}/edit",
    "/staff/bodies/{body}/members/new",
    "/staff/members/{member}/edit",
]
ADMIN_PAGES = [
    "/staff/admin/areas",
    "/staff/admin/areas/new",
    "/staff/admin/areas/{area}/edit",
    "/staff/admin/staff",
    "/staff/admin/staff/new",
    "/staff/admin/staff/{staff}/edit",
]


def _url(template: str, world, which: str = "home") -> str:
    return template.format(**world["ids"][which], staff=world["staff"].id)


def test_anonymous_get_of_every_staff_page_redirects_to_login(client, world):
    urls = [_url(page, world) for page in ["/staff/", *AREA_PAGES, *ADMIN_PAGES]]

    responses = {url: client.get(url) for url in urls}

    assert {url: (r.status_code, r.headers.get("Location")) for url, r in responses.items()} == {
        url: (302, f"/staff/login?next={quote(url, safe='')}") for url in urls
    }


def test_anonymous_post_redirects_to_login_and_changes_nothing(client, world):
    member_id = world["ids"]["home"]["member"]
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))

    response = client.post(f"/staff/members/{member_id}/remove", data={"csrf_token": token})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/staff/login"
    db.session.rollback()
    assert db.session.get(Member, member_id).removed_at is None


def test_staff_get_of_every_admin_page_is_forbidden(client, world, login):
    login(world["staff"])
    urls = [_url(page, world) for page in ADMIN_PAGES]

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 403)


@pytest.mark.parametrize("page", ["/staff/admin/areas/new", "/staff/admin/staff/new"])
def test_staff_post_to_admin_form_is_forbidden_and_creates_nothing(client, world, login, page):
    login(world["staff"])
    token = csrf_from(client.get("/staff/").get_data(as_text=True))

    response = client.post(
        page,
        data={
            "csrf_token": token,
            "name": "Neues Gebiet",
            "slug": "neues-gebiet",
            "code": "NEU",
            "timezone": "Europe/Berlin",
            "languages": ["de"],
            "email": "new@example.org",
            "role": "admin",
            "password": "a long password",
        },
    )

    assert response.status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Area)) == 2
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 2


def test_staff_get_of_every_other_area_page_is_forbidden(client, world, login):
    login(world["staff"])
    urls = [_url(page, world, "other") for page in AREA_PAGES]

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 403)


def test_staff_get_of_every_own_area_page_is_allowed(client, world, login):
    login(world["staff"])
    urls = [_url(page, world) for page in ["/staff/", *AREA_PAGES]]

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 200)


def test_staff_start_page_lists_only_own_areas(client, world, login):
    login(world["staff"])

    html = client.get("/staff/").get_data(as_text=True)

    assert (f'/staff/areas/{world["ids"]["home"]["area"]}"' in html) is True
    assert (f'/staff/areas/{world["ids"]["other"]["area"]}"' in html) is False


#: Forms that write, with data that would be valid in the target area.
OTHER_AREA_POSTS = {
    "fund-new": (
        "/staff/areas/{area}/funds/new",
        {
            "kind": "action_fund",
            "name": "Fremdfonds",
            "body": "{body}",
            "cap": "100",
            "lead_time_days": "14",
            "eligible_categories": ["material"],
            "proof_weeks": "4",
        },
    ),
    "fund-edit": (
        "/staff/funds/{fund}/edit",
        {
            "kind": "action_fund",
            "name": "Renamed",
            "body": "{body}",
            "cap": "100",
            "lead_time_days": "14",
            "eligible_categories": ["material"],
            "proof_weeks": "4",
        },
    ),
    "fund-year": ("/staff/funds/{fund}/years/new", {"year": "2031", "allocation": "5000"}),
    "body-new": (
        "/staff/areas/{area}/bodies/new",
        {
            "kind": "jury",
            "name": "Renamed",
            "quorum_numerator": "1",
            "quorum_denominator": "2",
            "quorum_minimum": "3",
            "majority": "simple",
        },
    ),
    "body-edit": (
        "/staff/bodies/{body}/edit",
        {
            "kind": "jury",
            "name": "Renamed",
            "quorum_numerator": "1",
            "quorum_denominator": "2",
            "quorum_minimum": "3",
            "majority": "simple",
            "tie_breaker": "0",
        },
    ),
    "member-new": (
        "/staff/bodies/{body}/members/new",
        {
            "name": "Renamed",
            "email": "intruder@example.org",
            "language": "de",
            "role": "resident",
            "term_start": "2024-01-01",
        },
    ),
    "member-edit": (
        "/staff/members/{member}/edit",
        {
            "name": "Renamed",
            "email": "renamed@example.org",
            "language": "de",
            "role": "resident",
            "term_start": "2024-01-01",
        },
    ),
    "member-remove": ("/staff/members/{member}/remove", {}),
}


def _snapshot() -> dict:
    """What the forms could change, to check that a refused post changed nothing."""
    db.session.rollback()
    return {
        "funds": db.session.execute(select(Fund.id, Fund.name, Fund.cap_cents)).all(),
        "years": db.session.execute(select(FundYear.id, FundYear.year)).all(),
        "bodies": db.session.execute(select(Body.id, Body.name)).all(),
        "members": db.session.execute(
            select(Member.id, Member.name, Member.email, Member.removed_at)
        ).all(),
    }


@pytest.mark.parametrize("form", OTHER_AREA_POSTS)
def test_staff_post_to_other_area_is_forbidden_and_changes_nothing(client, world, login, form):
    login(world["staff"])
    page, data = OTHER_AREA_POSTS[form]
    ids = world["ids"]["other"]
    filled = {
        key: value.format(**ids) if isinstance(value, str) else value for key, value in data.items()
    }
    token = csrf_from(client.get("/staff/").get_data(as_text=True))
    before = _snapshot()

    response = client.post(_url(page, world, "other"), data={"csrf_token": token, **filled})

    assert response.status_code == 403
    assert _snapshot() == before


def test_admin_reaches_every_page_of_every_area(client, world, login):
    login(world["admin"])
    pages = ["/staff/", *AREA_PAGES, *ADMIN_PAGES]
    urls = sorted({_url(page, world, which) for page in pages for which in ("home", "other")})

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 200)


def test_session_of_an_ended_session_version_is_logged_out(client, world, login):
    login(world["staff"])
    user = db.session.get(StaffUser, world["staff"].id)
    accounts.end_all_sessions(user)
    db.session.commit()

    assert client.get("/staff/").status_code == 302


# --- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "forged"])
def test_post_without_valid_csrf_token_is_refused_and_changes_nothing(client, make, login, token):
    login(make.admin())
    client.get("/staff/admin/areas/new")
    data = {
        "name": "Soldiner Kiez",
        "slug": "soldiner-kiez",
        "code": "SOL",
        "timezone": "Europe/Berlin",
        "languages": ["de"],
    }
    if token is not None:
        data["csrf_token"] = token

    response = client.post("/staff/admin/areas/new", data=data)

    assert response.status_code == 400
    assert re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True))[1] == "Form expired"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Area)) == 0


def test_login_without_csrf_token_is_refused(client, make):
    make.staff(email="sam@example.org")

    response = client.post("/staff/login", data={"email": "sam@example.org", "password": PASSWORD})

    assert response.status_code == 400
    assert not logged_in(client)
