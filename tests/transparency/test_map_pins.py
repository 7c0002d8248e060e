"""Staff place a project's pin on its application page: typed numbers checked, nothing lost."""

from __future__ import annotations

import re

import pytest

from juryfund.extensions import db
from juryfund.models import ProjectPin

from ..conftest import csrf_from

pytestmark = pytest.mark.transparency


def field_errors(html: str, field_id: str) -> str:
    """The text of the form field block holding the input of that id."""
    blocks = re.findall(r'<div class="form-field[^"]*">.*?</div>', html, re.S)
    block = next(b for b in blocks if f'id="{field_id}"' in b)
    return block


@pytest.mark.parametrize(
    ("latitude", "longitude", "lat_error", "lon_error"),
    [
        ("95", "13.4", "zwischen −90 und 90", None),
        ("abc", "200", "Gradzahl", "zwischen −180 und 180"),
        ("", "", "Koordinate", "Koordinate"),
        ("52.1234567", "13", "6 Nachkommastellen", None),
        ("52.5", "NaN", None, "Gradzahl"),
    ],
)
def test_bad_coordinates_are_refused_next_to_their_fields(
    client, login, staff, approved, latitude, longitude, lat_error, lon_error
):
    login(staff)
    url = f"/staff/applications/{approved.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="pin-map"' in page and "pinpicker.js" in page
    response = client.post(
        f"{url}/pin",
        data={
            "pin-csrf_token": csrf_from(page),
            "pin-latitude": latitude,
            "pin-longitude": longitude,
            "pin-kind": "public",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "error-summary" in html
    lat_block, lon_block = field_errors(html, "pin-latitude"), field_errors(html, "pin-longitude")
    for block, error, typed in (
        (lat_block, lat_error, latitude),
        (lon_block, lon_error, longitude),
    ):
        if error:
            assert "has-error" in block and error in block, block
        else:
            assert "has-error" not in block, block
        assert f'value="{typed}"' in block  # what was typed comes back
    assert re.search(r'<input checked[^>]*value="public"', html)  # the chosen kind stays
    assert db.session.get(ProjectPin, approved.id) is None


def test_a_missing_kind_is_refused_with_the_numbers_kept(client, login, staff, approved):
    login(staff)
    url = f"/staff/applications/{approved.id}"
    page = client.get(url).get_data(as_text=True)
    data = {"pin-csrf_token": csrf_from(page), "pin-latitude": "52.5", "pin-longitude": "13.4"}
    html = client.post(f"{url}/pin", data=data).get_data(as_text=True)
    assert "Bitte wählen Sie, was für ein Ort es ist." in html or "has-error" in html
    assert 'value="52.5"' in html and 'value="13.4"' in html
    assert db.session.get(ProjectPin, approved.id) is None
    bogus = client.post(f"{url}/pin", data={**data, "pin-kind": "secret"})
    assert bogus.status_code == 200 and db.session.get(ProjectPin, approved.id) is None


def test_staff_set_move_and_remove_a_pin(client, login, staff, approved):
    login(staff)
    url = f"/staff/applications/{approved.id}"
    page = client.get(url).get_data(as_text=True)
    token = csrf_from(page)
    response = client.post(
        f"{url}/pin",
        data={
            "pin-csrf_token": token,
            "pin-latitude": "52,520008",
            "pin-longitude": " 13.404954",
            "pin-kind": "private",
        },
    )
    assert response.status_code == 302
    pin = db.session.get(ProjectPin, approved.id)
    assert (pin.latitude_micro, pin.longitude_micro, pin.kind) == (
        52_520_008,
        13_404_954,
        "private",
    )
    page = client.get(url).get_data(as_text=True)
    assert 'value="52.520008"' in page and 'data-lat="52.520008"' in page
    assert "keine Einwilligung" in page  # a private address without consent: not shown
    # The staff page with its small map lets the tile server's images through.
    assert "https://tile.openstreetmap.org" in client.get(url).headers["Content-Security-Policy"]
    client.post(
        f"{url}/pin",
        data={
            "pin-csrf_token": token,
            "pin-latitude": "-33.9",
            "pin-longitude": "-70.1",
            "pin-kind": "public",
        },
    )
    db.session.expire_all()
    pin = db.session.get(ProjectPin, approved.id)
    assert (pin.latitude_micro, pin.longitude_micro, pin.kind) == (
        -33_900_000,
        -70_100_000,
        "public",
    )
    assert client.post(f"{url}/pin/remove", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProjectPin, approved.id) is None


def test_staff_withdraw_the_place_consent_on_request(client, login, staff, approved):
    from juryfund.domain.actors import Actor
    from juryfund.services import places, privacy

    places.set_pin(approved, latitude="52.5", longitude="13.4", kind="private", actor=staff.actor)
    privacy.give_consent(approved, privacy.Consent.SHOW_PLACE, actor=Actor.applicant("x"))
    db.session.commit()
    assert "Pflanzaktion" in client.get(f"/{approved.area.slug}/map").get_data(as_text=True)
    login(staff)
    url = f"/staff/applications/{approved.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    missing = client.post(f"{url}/place-consent", data={"place-csrf_token": token})
    assert missing.status_code == 200 and 'id="place-request_note"' in missing.get_data(
        as_text=True
    )
    done = client.post(
        f"{url}/place-consent",
        data={"place-csrf_token": token, "place-request_note": "Brief vom 3. Dezember"},
    )
    assert done.status_code == 302
    db.session.refresh(approved)
    assert approved.consent_show_place is False
    client.post("/staff/logout", data={"csrf_token": token})
    assert "Pflanzaktion" not in client.get(f"/{approved.area.slug}/map").get_data(as_text=True)
