"""No personal data on any public page, download, feed or API answer beyond what was agreed."""

from __future__ import annotations

import pytest

from juryfund.services import transparency

from .conftest import SECRET_ADDRESS, SECRET_EMAIL, SECRET_NAME, SECRET_PHONE, Spec

pytestmark = pytest.mark.transparency


def public_urls(area, references: list[str]) -> list[str]:
    year = transparency.current_year(area)
    urls = [
        f"/{area.slug}/",
        f"/{area.slug}/decisions",
        f"/{area.slug}/decisions?year={year}",
        f"/{area.slug}/budget",
        f"/{area.slug}/report/{year}",
        f"/{area.slug}/decisions.csv",
        f"/{area.slug}/decisions.json",
        f"/{area.slug}/decisions.atom",
        "/api/v1/areas",
        f"/api/v1/areas/{area.slug}",
        f"/api/v1/areas/{area.slug}/decisions",
        f"/api/v1/areas/{area.slug}/decisions?year={year}&per_page=100",
        f"/api/v1/areas/{area.slug}/budget",
        "/api/v1/openapi.json",
    ]
    return urls + [f"/{area.slug}/projects/{ref}" for ref in references]


def everything_public(client, urls) -> str:
    texts = []
    for url in urls:
        for language in ("de", "en", "ar"):
            response = client.get(url, headers={"Accept-Language": language})
            assert response.status_code in (200, 404), url
            texts.append(response.get_data(as_text=True))
    return "\n".join(texts)


def test_private_person_without_consent_never_appears(client, area, decide):
    secret = dict(name=SECRET_NAME, email=SECRET_EMAIL, phone=SECRET_PHONE, address=SECRET_ADDRESS)
    apps = decide(
        [
            Spec("Pflanzaktion", kind="person", consent=False, **secret),
            Spec(
                "Nähwerkstatt",
                kind="person",
                organisation="Meine Hausgemeinschaft",
                consent=False,
                **secret,
            ),
            Spec("Kiezkino", outcome="rejected", kind="person", consent=False, **secret),
            Spec(
                "Kiezchor", kind="initiative", organisation="Chor am Kiez", consent=False, **secret
            ),
        ]
    )
    text = everything_public(client, public_urls(area, [a.reference for a in apps]))
    assert "Pflanzaktion" in text and "Kiezkino" in text  # the decisions are there...
    assert "Chor am Kiez" in text  # ...a group by its name...
    for secret_value in (
        SECRET_NAME,
        "Geheimname",
        SECRET_EMAIL,
        SECRET_PHONE,
        SECRET_ADDRESS,
        "Versteckweg",
        "Meine Hausgemeinschaft",
    ):
        assert secret_value not in text, secret_value  # ...but no private person's data


def test_consent_publishes_the_name_but_never_contact_data(client, area, decide):
    apps = decide(
        [
            Spec(
                "Pflanzaktion",
                kind="person",
                name=SECRET_NAME,
                consent=True,
                email=SECRET_EMAIL,
                phone=SECRET_PHONE,
                address=SECRET_ADDRESS,
            )
        ]
    )
    urls = public_urls(area, [apps[0].reference])
    text = everything_public(client, urls)
    assert SECRET_NAME in text
    for secret_value in (SECRET_EMAIL, SECRET_PHONE, SECRET_ADDRESS):
        assert secret_value not in text
    for url in urls[5:8] + urls[10:12] + urls[-1:]:  # each of the outputs carries it
        assert SECRET_NAME in client.get(url).get_data(as_text=True), url
