"""Project stories (issue 17): a resident tells how the funded action went, with photos; staff
approve; the project page shows the approved version only, and only while the consent stands.
The stored photos carry no location or camera metadata."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra.images import LONGEST_SIDE
from juryfund.models import ApplicationEvent, AuditEvent, ProjectStory, StoryPhoto
from juryfund.models.stories import MAX_STORY_PHOTOS
from juryfund.services import intake, privacy, stories
from tests.conftest import csrf_from
from tests.intake.conftest import last_mail, status_link
from tests.photos import GPS_IFD, MAKE, MODEL, phone_jpeg, png

from .conftest import ALT_BED, ALT_KIDS, STORY

pytestmark = pytest.mark.transparency


def _as_applicant(client, application) -> str:
    """Open the status link from a fresh mail; the status page's HTML."""
    intake.resend_links(application.email)
    db.session.commit()
    client.get(status_link(last_mail(application.email)))
    return client.get(f"/status/{application.reference}").get_data(as_text=True)


def _post_story(client, application, *, photos, text=STORY, consent=True):
    """Send the story form as the browser does (multipart, with the page's CSRF token)."""
    url = f"/status/{application.reference}/story"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "text": text}
    if consent:
        data["consent"] = "y"
    for index, (content, alt) in enumerate(photos):
        if content is not None:
            data[f"new_photos-{index}-file"] = (io.BytesIO(content), f"IMG_{index}.jpg")
        data[f"new_photos-{index}-alt_text"] = alt
    return client.post(url, data=data, content_type="multipart/form-data")


def _project_url(application) -> str:
    return f"/{application.area.slug}/projects/{application.reference}"


def _photo_urls(html: str) -> list[str]:
    return re.findall(r'src="(/[^"]+/photos/\d+)"', html)


def test_resident_story_with_two_photos_is_public_only_once_approved_and_while_consented(
    client, app, settled, staff, login
):
    """The issue's story: a resident adds a story with two phone photos to a settled project;
    the stored files carry no location or camera data; nothing is public until staff approve;
    then the project page shows text and both photos with their alt text; withdrawing the
    consent takes all of it off at once."""
    public = app.test_client()
    status = _as_applicant(client, settled)
    assert f"/status/{settled.reference}/story" in status

    saved = _post_story(
        client,
        settled,
        photos=[(phone_jpeg("green"), ALT_BED), (phone_jpeg("orange"), ALT_KIDS)],
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]

    # Stored without any metadata, upright and resized.
    stored = db.session.scalars(select(StoryPhoto).order_by(StoryPhoto.slot)).all()
    assert [photo.alt_text for photo in stored] == [ALT_BED, ALT_KIDS]
    for photo in stored:
        image = Image.open(io.BytesIO(photo.data))
        exif = image.getexif()
        assert dict(exif) == {} and exif.get_ifd(GPS_IFD) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
        assert MAKE.encode() not in photo.data and MODEL.encode() not in photo.data
        # The phone held it upright (orientation 6): stored turned, longest side limited.
        assert (image.width, image.height) == (LONGEST_SIDE * 3 // 4, LONGEST_SIDE)
        assert photo.content_type == "image/jpeg" and not photo.approved

    # Waiting for approval: nothing of it is public, the photo files neither.
    project = public.get(_project_url(settled)).get_data(as_text=True)
    assert STORY not in project and ALT_BED not in project
    for photo in stored:
        url = f"{_project_url(settled)}/photos/{photo.id}"
        assert public.get(url).status_code == 404
    # The applicant sees their own photos (not cached anywhere on the way).
    own = client.get(f"/status/{settled.reference}/story/photos/{stored[0].id}")
    assert own.status_code == 200 and "no-store" in own.headers["Cache-Control"]

    # Staff approve on the application's story page.
    staff_client = app.test_client()
    from tests.conftest import log_in

    log_in(staff_client, staff)
    page = staff_client.get(f"/staff/applications/{settled.id}/story").get_data(as_text=True)
    assert STORY in page and ALT_KIDS in page
    approved = staff_client.post(
        f"/staff/applications/{settled.id}/story/approve",
        data={"csrf_token": csrf_from(page)} | _seen(page),
    )
    assert approved.status_code == 302

    project = public.get(_project_url(settled)).get_data(as_text=True)
    assert STORY in project
    assert f'alt="{ALT_BED}"' in project and f'alt="{ALT_KIDS}"' in project
    urls = _photo_urls(project)
    assert len(urls) == 2
    for url in urls:
        response = public.get(url)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-cache" in response.headers["Cache-Control"]

    # History and audit trail record each step with its actor.
    kinds = db.session.scalars(
        select(ApplicationEvent.kind).where(ApplicationEvent.application_id == settled.id)
    ).all()
    assert {"story", "story_ok"} <= set(kinds)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"application.story", "application.story_ok"} <= set(actions)

    # The applicant withdraws the consent on the status page: off every public page at once.
    status = client.get(f"/status/{settled.reference}").get_data(as_text=True)
    withdrawn = client.post(
        f"/status/{settled.reference}/story/consent",
        data={"csrf_token": csrf_from(status), "confirm_story_consent": "y"},
    )
    assert withdrawn.status_code == 302
    project = public.get(_project_url(settled)).get_data(as_text=True)
    assert STORY not in project and ALT_BED not in project and not _photo_urls(project)
    for url in urls:
        assert public.get(url).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(ProjectStory.state)) == "withdrawn"
    assert "story_off" in db.session.scalars(select(ApplicationEvent.kind)).all()


def test_an_edit_after_approval_waits_and_the_approved_version_stays(settled, staff, app):
    """The public page keeps showing the approved text until the new version is approved."""
    stories.save(settled, text=STORY, consent=True, photos=[], actor=_applicant(settled))
    stories.approve(settled, actor=staff.actor)
    db.session.commit()
    stories.save(
        settled,
        text="Neue Fassung",
        consent=True,
        photos=[stories.NewPhoto(png(), "Ein rotes Quadrat", field="new_photos-0-file")],
        actor=_applicant(settled),
    )
    db.session.commit()
    shown = stories.public_story(settled.area_id, settled.reference)
    assert shown is not None and (shown.text, shown.photos) == (STORY, [])
    page = app.test_client().get(_project_url(settled)).get_data(as_text=True)
    assert STORY in page and "Neue Fassung" not in page and "Ein rotes Quadrat" not in page

    stories.send_back(settled, note="Bitte ohne Nachnamen", actor=staff.actor)
    db.session.commit()
    assert stories.public_story(settled.area_id, settled.reference).text == STORY
    with pytest.raises(DomainError) as refused:
        stories.approve(settled, actor=staff.actor)
    assert refused.value.reason == "story.not_waiting"


def _applicant(application):
    from juryfund.domain.actors import Actor

    return Actor.applicant(application.reference)


def test_bad_photos_and_missing_fields_are_refused_next_to_their_field(client, settled):
    """Not an image, a decompression bomb, a photo without alt text, no consent: every error
    at once next to its field, the text kept, nothing stored."""
    _as_applicant(client, settled)
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")  # small file, 144 million pixels
    response = _post_story(
        client,
        settled,
        photos=[(b"GIF89a not a photo", "Etwas"), (bomb.getvalue(), "")],
        consent=False,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert STORY in html  # nothing typed is lost
    for field in ("new_photos-0-file", "new_photos-1-file", "new_photos-1-alt_text", "consent"):
        assert f'id="{field}-error"' in html, field
    assert db.session.scalar(select(func.count(StoryPhoto.id))) == 0
    assert db.session.scalar(select(func.count(ProjectStory.id))) == 0

    # A description without a photo, and a story without text.
    response = _post_story(client, settled, photos=[(None, "Nur Text")], text="")
    html = response.get_data(as_text=True)
    assert 'id="new_photos-0-file-error"' in html and 'id="text-error"' in html


def test_photos_per_story_are_limited(settled):
    """The seventh photo is refused; the database's numbered places back the rule."""
    actor = _applicant(settled)
    for index in range(MAX_STORY_PHOTOS):
        stories.save(
            settled,
            text=STORY,
            consent=True,
            photos=[stories.NewPhoto(png(), f"Foto {index}", field="new_photos-0-file")],
            actor=actor,
        )
    with pytest.raises(DomainError) as refused:
        stories.save(
            settled,
            text=STORY,
            consent=True,
            photos=[stories.NewPhoto(png(), "Eins zu viel", field="new_photos-0-file")],
            actor=actor,
        )
    assert refused.value.reason == "story.too_many_photos"


def test_no_story_before_the_project_is_funded(client, area, fund, make):
    """A submitted application has no story form."""
    from tests.factories import ApplicationFactory

    application = ApplicationFactory(area=area, fund=fund, email="neu@example.org")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        stories.save(
            application, text=STORY, consent=True, photos=[], actor=_applicant(application)
        )
    assert refused.value.reason == "story.not_open"
    _as_applicant(client, application)
    assert client.get(f"/status/{application.reference}/story").status_code == 302


def test_staff_write_the_story_on_the_applicants_behalf_with_a_note(client, settled, staff, login):
    """Staff need a note on how story and consent came in; the history names them."""
    login(staff)
    url = f"/staff/applications/{settled.id}/story"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "text": STORY, "consent": "y"}
    refused = client.post(url, data=data)
    assert refused.status_code == 200 and 'id="note-error"' in refused.get_data(as_text=True)
    done = client.post(url, data={**data, "note": "Auf Papier unterschrieben abgegeben"})
    assert done.status_code == 302
    event = db.session.scalar(select(ApplicationEvent).where(ApplicationEvent.kind == "story"))
    assert event.actor_staff_id == staff.id and "Papier" in event.note
    # Sending back needs a note; then it is shown to the applicant.
    page = client.get(url).get_data(as_text=True)
    back = client.post(
        f"{url}/return", data={"csrf_token": csrf_from(page), "review_note": ""} | _seen(page)
    )
    assert back.status_code == 200 and 'id="review_note-error"' in back.get_data(as_text=True)
    back = client.post(
        f"{url}/return",
        data={"csrf_token": csrf_from(page), "review_note": "Bitte kürzer"} | _seen(page),
    )
    assert back.status_code == 302
    assert db.session.scalar(select(ProjectStory.review_note)) == "Bitte kürzer"


def test_story_is_in_the_export_and_gone_after_erasure(settled, staff):
    """The applicant's data export holds the story and the photos' descriptions; erasure
    removes story, photos and consent."""
    stories.save(
        settled,
        text=STORY,
        consent=True,
        photos=[stories.NewPhoto(phone_jpeg(), ALT_BED, field="new_photos-0-file")],
        actor=_applicant(settled),
    )
    stories.approve(settled, actor=staff.actor)
    db.session.commit()
    exported = json.loads(json.dumps(privacy.export(settled)))
    assert exported["project_story"]["text"] == STORY
    assert [p["alt_text"] for p in exported["project_story"]["photos"]] == [ALT_BED]
    assert exported["applicant"]["consent_publish_story"] is True

    privacy.erase(settled, actor=staff.actor, reason="Antrag", title="Pflanzaktion")
    db.session.commit()
    assert db.session.scalar(select(func.count(StoryPhoto.id))) == 0
    assert db.session.scalar(select(func.count(ProjectStory.id))) == 0
    assert settled.consent_publish_story is False
    assert privacy.export(settled)["project_story"] is None


def test_staff_withdraw_the_story_consent_on_a_written_request(app, client, settled, staff, login):
    """Without a note on how the request came nothing changes; with it the story is off."""
    stories.save(settled, text=STORY, consent=True, photos=[], actor=_applicant(settled))
    stories.approve(settled, actor=staff.actor)
    db.session.commit()
    public = app.test_client()
    assert STORY in public.get(_project_url(settled)).get_data(as_text=True)
    login(staff)
    url = f"/staff/applications/{settled.id}/story"
    page = client.get(url).get_data(as_text=True)
    refused = client.post(f"{url}/consent", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 200
    assert 'id="request_note-error"' in refused.get_data(as_text=True)
    assert STORY in public.get(_project_url(settled)).get_data(as_text=True)
    done = client.post(
        f"{url}/consent",
        data={"csrf_token": csrf_from(page), "request_note": "Brief vom 3. Dezember"},
    )
    assert done.status_code == 302
    assert STORY not in public.get(_project_url(settled)).get_data(as_text=True)
    event = db.session.scalar(select(ApplicationEvent).where(ApplicationEvent.kind == "story_off"))
    assert event.actor_staff_id == staff.id and "Dezember" in event.note


def test_staff_approve_only_the_version_they_read(app, client, settled, staff, login):
    """The applicant saves a new version while staff have the story page open: the approval
    sent from that page is refused (nothing unread reaches the public page); staff read the new
    version and approve that. Sending back with a note is checked the same way."""
    stories.save(settled, text=STORY, consent=True, photos=[], actor=_applicant(settled))
    db.session.commit()
    login(staff)
    url = f"/staff/applications/{settled.id}/story"
    page = client.get(url).get_data(as_text=True)
    assert STORY in page

    # Meanwhile the applicant replaces the text and adds a photo.
    stories.save(
        settled,
        text="Ungeprüfte Fassung mit Nachnamen",
        consent=True,
        photos=[stories.NewPhoto(png(), "Ungeprüftes Foto", field="new_photos-0-file")],
        actor=_applicant(settled),
    )
    db.session.commit()

    stale = client.post(f"{url}/approve", data={"csrf_token": csrf_from(page)} | _seen(page))
    assert stale.status_code == 200
    assert "seit Sie sie geöffnet haben" in stale.get_data(as_text=True)
    public = app.test_client().get(_project_url(settled)).get_data(as_text=True)
    assert "Ungeprüfte Fassung" not in public and "Ungeprüftes Foto" not in public
    db.session.expire_all()
    assert db.session.scalar(select(ProjectStory.state)) == "submitted"
    assert not any(db.session.scalars(select(StoryPhoto.approved)))
    back = client.post(
        f"{url}/return",
        data={"csrf_token": csrf_from(page), "review_note": "Bitte kürzer"} | _seen(page),
    )
    assert back.status_code == 200 and db.session.scalar(select(ProjectStory.review_note)) == ""

    # Without the version read (a hand-made request) nothing is approved either.
    bare = client.post(f"{url}/approve", data={"csrf_token": csrf_from(page)})
    assert bare.status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(ProjectStory.state)) == "submitted"

    # The page shown with the refusal holds the new version; approving from it publishes it.
    fresh = stale.get_data(as_text=True)
    assert "Ungeprüfte Fassung" in fresh
    done = client.post(f"{url}/approve", data={"csrf_token": csrf_from(fresh)} | _seen(fresh))
    assert done.status_code == 302
    public = app.test_client().get(_project_url(settled)).get_data(as_text=True)
    assert "Ungeprüfte Fassung" in public


def _seen(html: str) -> dict[str, str]:
    """The story version a staff page was rendered with (the review form's hidden field)."""
    found = re.search(r'name="seen" type="hidden" value="([^"]*)"', html) or re.search(
        r'type="hidden" name="seen" value="([^"]*)"', html
    )
    assert found, "the review form carries the version it shows"
    return {"seen": found.group(1)}


def test_a_decision_on_an_older_version_publishes_nothing(settled, staff):
    """In the service: approving or sending back the version read before the applicant's last
    save is refused, and the public page keeps what was approved before."""
    stories.save(settled, text=STORY, consent=True, photos=[], actor=_applicant(settled))
    stories.approve(settled, actor=staff.actor)
    db.session.commit()
    stories.save(settled, text="Zweite Fassung", consent=True, photos=[], actor=_applicant(settled))
    db.session.commit()
    read = stories.version_of(stories.find(settled))
    stories.save(settled, text="Dritte Fassung", consent=True, photos=[], actor=_applicant(settled))
    db.session.commit()
    for decide in (
        lambda: stories.approve(settled, actor=staff.actor, seen=read),
        lambda: stories.send_back(settled, note="Kürzer", actor=staff.actor, seen=read),
    ):
        with pytest.raises(DomainError) as refused:
            decide()
        assert refused.value.reason == "story.changed"
        db.session.rollback()
    assert stories.public_story(settled.area_id, settled.reference).text == STORY
    stories.approve(settled, actor=staff.actor, seen=stories.version_of(stories.find(settled)))
    assert stories.public_story(settled.area_id, settled.reference).text == "Dritte Fassung"
