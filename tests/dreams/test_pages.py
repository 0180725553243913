"""The server-rendered pages, through Django's test client: what each visitor is shown."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from dreams.models import DemoDream, Dream, ModerationStatus, VideoStatus
from dreams.views import PAGE_SIZE
from tests.support.factories import PASSWORD, DemoDreamFactory, DreamFactory, UserFactory
from videos.models import JobKind, JobStatus, VideoJob

pytestmark = pytest.mark.django_db

PAGES = ["home", "journal", "gallery", "dream-new", "login", "signup"]


def _cursor(html: str) -> str:
    match = re.search(r'data-cursor="([^"]+)"', html)
    return match.group(1) if match else ""


def _cards(html: str) -> int:
    """Dream cards rendered on the page (the JavaScript card template links nowhere)."""
    return len(re.findall(r'class="stretched" href="/dreams/[0-9a-f-]+/"', html))


def _write_demo_dream(client, title: str = "A demo dream") -> str:
    """Write a dream in demo mode the way the pages do: through the API, with the session."""
    response = client.post(
        "/api/dreams",
        {"title": title, "content": "Floating over a town."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers_an_anonymous_visitor_and_sets_the_csrf_cookie(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert b'<main id="main"' in response.content


@pytest.mark.parametrize("name", ["journal", "gallery", "dream-new", "home"])
def test_every_page_answers_a_signed_in_user(client, user, name):
    client.force_login(user)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert b"Log out" in response.content


def test_home_shows_the_newest_gallery_dreams_and_nothing_private(client):
    DreamFactory(title="Old shared dream", in_gallery=True)
    DreamFactory(title="Newest shared dream", in_gallery=True)
    DreamFactory(title="My secret dream", with_video=True, is_public=False)
    DreamFactory(title="Waiting for a moderator", with_video=True, is_public=True)

    html = client.get(reverse("home")).content.decode()

    assert html.index("Newest shared dream") < html.index("Old shared dream")
    assert "My secret dream" not in html
    assert "Waiting for a moderator" not in html


def test_journal_lists_only_the_users_own_dreams_newest_first(client, user):
    DreamFactory(owner=user, title="First night")
    DreamFactory(owner=user, title="Second night")
    DreamFactory(title="Someone else's night")
    client.force_login(user)

    html = client.get(reverse("journal")).content.decode()

    assert html.index("Second night") < html.index("First night")
    assert "Someone else" not in html
    assert "demo journal" not in html


def test_journal_search_and_filters_narrow_the_list(client, user):
    DreamFactory(owner=user, title="Lighthouse in the desert", content="Sand and light.")
    DreamFactory(owner=user, title="The orchard", content="Apples.", with_video=True)
    DreamFactory(owner=user, title="The balcony", content="Wind.", is_public=True)
    client.force_login(user)

    searched = client.get(reverse("journal"), {"q": "lighthouse"}).content.decode()
    with_video = client.get(reverse("journal"), {"has_video": "1"}).content.decode()
    public = client.get(reverse("journal"), {"is_public": "1"}).content.decode()
    nothing = client.get(reverse("journal"), {"q": "submarine"}).content.decode()

    assert "Lighthouse" in searched and "orchard" not in searched
    assert "orchard" in with_video and "Lighthouse" not in with_video
    assert "balcony" in public and "orchard" not in public
    assert "No dreams match “submarine”" in nothing


def test_an_empty_journal_invites_the_first_entry(client, user):
    client.force_login(user)

    html = client.get(reverse("journal")).content.decode()

    assert "waiting for its first dream" in html
    assert reverse("dream-new") in html


def test_an_anonymous_visitor_gets_a_demo_journal_that_says_so(client):
    _write_demo_dream(client, "Demo night")

    html = client.get(reverse("journal")).content.decode()

    assert "This is a demo journal" in html
    assert "Sign up to keep them" in html
    assert "Demo night" in html


def test_demo_journals_are_private_to_their_session(client, django_user_model):
    DemoDreamFactory(title="Another visitor's dream")

    html = client.get(reverse("journal")).content.decode()

    assert "Another visitor" not in html


def test_journal_pages_continue_with_the_api_cursor(client, user):
    for i in range(PAGE_SIZE + 2):
        DreamFactory(owner=user, title=f"Night {i:02d}")
    client.force_login(user)

    first = client.get(reverse("journal")).content.decode()
    cursor = _cursor(first)
    second = client.get(reverse("journal"), {"cursor": cursor}).content.decode()
    via_api = client.get("/api/dreams", {"cursor": cursor}).json()

    assert _cards(first) == PAGE_SIZE
    assert cursor
    assert "Night 01" in second and "Night 00" in second and "Night 13" not in second
    assert [d["title"] for d in via_api["results"]] == ["Night 01", "Night 00"]


def test_a_forged_cursor_shows_the_newest_page(client, user):
    DreamFactory(owner=user, title="Still here")
    client.force_login(user)

    response = client.get(reverse("journal"), {"cursor": "not-a-cursor"})

    assert response.status_code == 200
    assert "Still here" in response.content.decode()


def test_html_in_dream_text_is_shown_as_text_everywhere(client, user):
    dream = DreamFactory(
        owner=user,
        title="<script>alert('title')</script>",
        content="<img src=x onerror=alert(1)> and <b>bold</b>",
        analysis={"emotions": ["<i>fear</i>"], "keywords": ["</script><script>x()"]},
        is_public=True,
        moderation_status=ModerationStatus.APPROVED,
        with_video=True,
    )
    client.force_login(user)

    pages = [
        client.get(reverse("journal")).content.decode(),
        client.get(reverse("dream-page", kwargs={"dream_id": dream.pk})).content.decode(),
        client.get(reverse("dream-edit", kwargs={"dream_id": dream.pk})).content.decode(),
        client.get(reverse("gallery")).content.decode(),
    ]

    for html in pages:
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "<i>fear</i>" not in html
        assert "</script><script>x()" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in pages[1]


def test_someone_elses_private_dream_is_not_found(client, user):
    private = DreamFactory(title="Not yours", with_video=True)
    pending = DreamFactory(title="Not approved yet", with_video=True, is_public=True)
    client.force_login(user)

    for dream in (private, pending):
        detail = client.get(reverse("dream-page", kwargs={"dream_id": dream.pk}))
        edit = client.get(reverse("dream-edit", kwargs={"dream_id": dream.pk}))
        assert detail.status_code == 404
        assert edit.status_code == 404
        assert dream.title not in detail.content.decode()


def test_demo_dreams_of_other_sessions_are_not_found(client):
    dream = DemoDreamFactory(title="Session secret")

    response = client.get(reverse("dream-page", kwargs={"dream_id": dream.pk}))

    assert response.status_code == 404


def test_a_gallery_dream_is_visible_to_anyone_without_owner_controls(client):
    dream = DreamFactory(title="The shared sea", in_gallery=True)

    response = client.get(reverse("dream-page", kwargs={"dream_id": dream.pk}))
    html = response.content.decode()

    assert response.status_code == 200
    assert "The shared sea" in html
    assert 'preload="metadata"' in html
    assert reverse("dream-video", kwargs={"dream_id": dream.pk}) in html
    assert "data-delete" not in html
    assert "dream.js" not in html
    assert client.get(reverse("dream-edit", kwargs={"dream_id": dream.pk})).status_code == 404


def test_the_owner_sees_the_player_and_the_share_state(client, user):
    dream = DreamFactory(owner=user, title="Mine", with_video=True, is_public=True)
    client.force_login(user)

    html = client.get(reverse("dream-page", kwargs={"dream_id": dream.pk})).content.decode()

    assert "<video controls" in html
    assert f'poster="{reverse("dream-thumbnail", kwargs={"dream_id": dream.pk})}' in html
    assert "waiting for a moderator" in html
    assert "Make private" in html
    assert "data-delete" in html


def test_a_rejected_dream_shows_the_moderators_reason_to_its_owner(client, user):
    dream = DreamFactory(
        owner=user,
        with_video=True,
        is_public=True,
        moderation_status=ModerationStatus.REJECTED,
        moderation_reason="Please leave out real names.",
    )
    client.force_login(user)

    html = client.get(reverse("dream-page", kwargs={"dream_id": dream.pk})).content.decode()

    assert "not accepted into the gallery" in html
    assert "Please leave out real names." in html


def test_a_failed_video_shows_its_plain_words_error(client, user):
    dream = DreamFactory(owner=user, video_status=VideoStatus.FAILED)
    VideoJob.objects.create(
        kind=JobKind.GENERATE,
        status=JobStatus.FAILED,
        provider="runway",
        user=user,
        dream=dream,
        error_code="provider_unavailable",
        error_message="The video generator is unavailable right now. Please try again later.",
    )
    client.force_login(user)

    html = client.get(reverse("dream-page", kwargs={"dream_id": dream.pk})).content.decode()

    assert "We couldn’t make this video." in html
    assert "The video generator is unavailable right now." in html
    assert "Try again" in html


def test_a_running_job_is_handed_to_the_page_for_polling(client, user):
    dream = DreamFactory(owner=user, video_status=VideoStatus.GENERATING)
    job = VideoJob.objects.create(
        kind=JobKind.GENERATE,
        status=JobStatus.RUNNING,
        progress=0.4,
        provider="demo",
        user=user,
        dream=dream,
    )
    client.force_login(user)

    html = client.get(reverse("dream-page", kwargs={"dream_id": dream.pk})).content.decode()

    assert "Generating your video" in html
    assert 'aria-valuenow="40"' in html
    assert str(job.pk) in html  # in the page's JSON for dream.js


def test_signup_creates_the_account_logs_in_and_keeps_demo_dreams(client):
    dream_id = _write_demo_dream(client, "Before I had an account")

    page = client.get(reverse("signup")).content.decode()
    response = client.post(
        reverse("signup"),
        {"username": "nightowl", "email": "", "password": "a quiet tide of stars"},
        follow=True,
    )

    assert "1 dream you wrote in demo mode will move" in page
    assert response.redirect_chain[-1][0] == reverse("journal")
    assert response.context["user"].username == "nightowl"
    html = response.content.decode()
    assert "Before I had an account" in html
    assert "is now yours" in html
    assert Dream.objects.get(pk=dream_id).owner.username == "nightowl"
    assert not DemoDream.objects.exists()


def test_signup_explains_what_is_wrong(client):
    UserFactory(username="taken")

    response = client.post(
        reverse("signup"), {"username": "Taken", "email": "nope", "password": "short"}
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "That username is taken." in html
    assert 'aria-invalid="true"' in html
    assert not get_user_model().objects.filter(username="Taken").exists()


def test_login_brings_demo_dreams_into_the_account(client):
    user = UserFactory(username="returning")
    _write_demo_dream(client, "Written before logging in")

    response = client.post(
        reverse("login"), {"username": "returning", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("journal")
    assert "Written before logging in" in response.content.decode()
    assert Dream.objects.filter(owner=user, title="Written before logging in").exists()


def test_logout_is_a_post_and_returns_home(client, user):
    client.force_login(user)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "_auth_user_id" not in client.session


def test_the_gallery_pages_with_the_api_cursor(client):
    for i in range(PAGE_SIZE + 1):
        DreamFactory(title=f"Shared {i:02d}", in_gallery=True)
    DreamFactory(title="Private one", with_video=True)

    first = client.get(reverse("gallery")).content.decode()
    second = client.get(reverse("gallery"), {"cursor": _cursor(first)}).content.decode()

    assert _cards(first) == PAGE_SIZE
    assert "Load more" in first
    assert "Shared 00" in second and "Load more" not in second
    assert "Private one" not in first + second


def test_the_editor_prefills_a_dream_for_its_owner(client, user):
    dream = DreamFactory(
        owner=user,
        title="Stairs",
        content="Endless stairs.",
        analysis={"emotions": ["fear", "wonder"], "keywords": ["stairs"], "mood": "fear"},
        is_public=True,
    )
    client.force_login(user)

    html = client.get(reverse("dream-edit", kwargs={"dream_id": dream.pk})).content.decode()

    assert 'value="Stairs"' in html
    assert "Endless stairs." in html
    assert 'value="fear, wonder"' in html
    assert 'value="stairs"' in html
    assert re.search(r'id="is_public"[^>]*checked', html)


def test_while_the_database_is_unreachable_the_journal_shows_the_dreams_kept_offline(
    client, user, monkeypatch
):
    from django.db import OperationalError

    from dreams import selectors
    from dreams.storage import journal as emergency

    record = emergency.emergency_append(
        owner_user_id=user.pk,
        owner_session="",
        payload={
            "title": "Written during the outage",
            "content": "The lights went out.",
            "generate_video": True,
        },
    )
    client.force_login(user)

    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "dream_list", unreachable)
    monkeypatch.setattr(selectors, "dream_journal_first_rows", unreachable)
    monkeypatch.setattr(selectors, "_stored_get", unreachable)
    journal = client.get(reverse("journal"))
    detail = client.get(reverse("dream-page", kwargs={"dream_id": record.id}))

    assert journal.status_code == 200
    assert "out of reach for a moment" in journal.content.decode()
    assert "Written during the outage" in journal.content.decode()
    assert detail.status_code == 200
    assert "Saved offline" in detail.content.decode()
    assert "starts as soon as this dream is synced" in detail.content.decode()
