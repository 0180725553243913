"""An account the user controls: ``/api/account…`` and the account page (``/account/``).

Email, password (other sessions end, this one stays), the API token (shown masked,
revocable), and deleting the account: with the right password it takes the user's dreams,
jobs, token and sessions, and every stored video and thumbnail no one else uses — files
included — while videos shared with other people stay. Wrong input is a 4xx, never a 500;
wrong passwords count toward the sign-in lockout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from dreams.models import DemoDream, Dream, ExportStatus, JournalExport
from tests.support.factories import (
    PASSWORD,
    DemoDreamFactory,
    DreamFactory,
    VideoAssetFactory,
)
from tests.support.mp4s import make_mp4
from videos.models import JobKind, JobStatus, VideoAsset, VideoJob

pytestmark = pytest.mark.django_db

ACCOUNT = "/api/account"
PASSWORD_URL = "/api/account/password"
TOKEN_URL = "/api/account/token"
DELETE_URL = "/api/account/delete"
NEW_PASSWORD = "a lantern under the lake"


def signed_in_client(user) -> APIClient:
    """A browser-like client: a session cookie from a real log-in (no token)."""
    client = APIClient()
    client.force_login(user)
    return client


def is_signed_in(client) -> bool:
    """Whether the client's credentials still name an account (the page says "Log out")."""
    return client.get("/api/account").status_code == 200


def files_under(root: Path) -> set[str]:
    if not root.exists():
        return set()
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def stored_asset(**fields) -> VideoAsset:
    """An asset row whose video and thumbnail really are in storage (a few bytes each)."""
    asset = VideoAssetFactory(**fields)
    default_storage.save(
        asset.file.name, ContentFile(b"\x00\x00\x00\x18ftypmp42" + asset.sha256.encode())
    )
    default_storage.save(asset.thumbnail.name, ContentFile(b"\xff\xd8\xff" + asset.sha256.encode()))
    return asset


def asset_files(asset: VideoAsset) -> set[str]:
    return {asset.file.name, asset.thumbnail.name}


# --- GET /api/account --------------------------------------------------------------------


def test_the_account_shows_its_token_masked(client_for):
    # Given an account with an API token
    client = client_for()
    token = Token.objects.get(user=client.user)

    # When it asks for its account
    response = client.get(ACCOUNT)

    # Then it sees who it is and when its token was made, but only the start of the key
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"id", "username", "email", "date_joined", "token"}
    assert body["id"] == client.user.pk
    assert body["username"] == client.user.username
    assert set(body["token"]) == {"created", "prefix"}
    assert body["token"]["prefix"] == token.key[:6]
    assert token.key not in response.content.decode()


def test_an_account_without_a_token_says_so(make_user):
    client = signed_in_client(make_user())

    response = client.get(ACCOUNT)

    assert response.status_code == 200
    assert response.json()["token"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ACCOUNT),
        ("patch", ACCOUNT),
        ("post", PASSWORD_URL),
        ("delete", TOKEN_URL),
        ("post", DELETE_URL),
    ],
)
def test_every_account_endpoint_needs_a_signed_in_caller(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert response.status_code == 401
    assert "detail" in response.json()


# --- PATCH /api/account ------------------------------------------------------------------


def test_the_email_can_be_changed_and_removed(client_for):
    client = client_for()

    changed = client.patch(ACCOUNT, {"email": "Luna@Example.COM"}, format="json")
    removed = client.patch(ACCOUNT, {"email": ""}, format="json")

    assert changed.status_code == 200, changed.content
    assert changed.json()["email"] == "Luna@example.com"  # the domain part is case-blind
    assert removed.status_code == 200
    assert removed.json()["email"] == ""
    client.user.refresh_from_db()
    assert client.user.email == ""


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not an email"},
        {"email": "a@b"},
        {"email": "x" * 250 + "@example.com"},
        {"email": ["luna@example.com"]},
        {"email": None},
        {},
    ],
)
def test_a_bad_email_is_a_400_on_the_field(client_for, body):
    client = client_for()
    before = client.user.email

    response = client.patch(ACCOUNT, body, format="json")

    assert response.status_code == 400
    assert "email" in response.json()
    client.user.refresh_from_db()
    assert client.user.email == before


def test_a_body_that_is_not_json_is_a_400(client_for):
    response = client_for().patch(ACCOUNT, b"{not json", content_type="application/json")

    assert response.status_code == 400


# --- POST /api/account/password ----------------------------------------------------------


def test_a_new_password_works_and_the_old_one_no_longer_does(client_for, api_client):
    client = client_for()
    name = client.user.username

    response = client.post(
        PASSWORD_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 204, response.content
    old = api_client.post("/api/auth/token", {"username": name, "password": PASSWORD})
    new = api_client.post("/api/auth/token", {"username": name, "password": NEW_PASSWORD})
    assert old.status_code == 401
    assert new.status_code == 200


def test_changing_the_password_ends_every_other_session_but_the_callers(make_user):
    # Given one account signed in on a laptop and a phone, and a copy of the laptop's cookie
    user = make_user()
    laptop, phone = signed_in_client(user), signed_in_client(user)
    stolen = APIClient()
    stolen.cookies["sessionid"] = laptop.cookies["sessionid"].value
    assert is_signed_in(phone) and is_signed_in(stolen)

    # When the password is changed from the laptop
    response = laptop.post(
        PASSWORD_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    # Then the laptop stays signed in; the phone and the copied cookie are signed out
    assert response.status_code == 204, response.content
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert not is_signed_in(stolen)


def test_changing_the_password_keeps_the_api_token(client_for):
    client = client_for()

    client.post(
        PASSWORD_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert client.get(ACCOUNT).status_code == 200


def test_a_wrong_current_password_changes_nothing(client_for, api_client):
    client = client_for()

    response = client.post(
        PASSWORD_URL, {"current_password": "not it", "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"current_password": ["That is not your password."]}
    token = api_client.post(
        "/api/auth/token", {"username": client.user.username, "password": PASSWORD}
    )
    assert token.status_code == 200


@pytest.mark.parametrize(
    ("new_password", "why"),
    [("password", "too common"), ("12345678901", "entirely numeric"), ("short", "too short")],
)
def test_a_weak_new_password_is_refused_with_djangos_reasons(client_for, new_password, why):
    client = client_for()

    response = client.post(
        PASSWORD_URL, {"current_password": PASSWORD, "new_password": new_password}, format="json"
    )

    assert response.status_code == 400
    assert why in " ".join(response.json()["new_password"])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"current_password": PASSWORD},
        {"new_password": NEW_PASSWORD},
        {"current_password": "", "new_password": NEW_PASSWORD},
        {"current_password": ["x"], "new_password": NEW_PASSWORD},
        {"current_password": PASSWORD, "new_password": "y" * 200},
        {"current_password": "x\x00", "new_password": NEW_PASSWORD},
    ],
)
def test_malformed_password_bodies_are_400s(client_for, body):
    response = client_for().post(PASSWORD_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()


def test_guessing_the_current_password_locks_the_account_like_sign_in(client_for):
    # Given a stolen token, used to guess the password
    client = client_for()
    wrong = {"current_password": "guess", "new_password": NEW_PASSWORD}

    statuses = [client.post(PASSWORD_URL, wrong, format="json").status_code for _ in range(5)]
    right = client.post(
        PASSWORD_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    # Then after the sign-in failure limit even the right password is refused, for a while
    assert statuses == [400, 400, 400, 400, 429]
    assert right.status_code == 429
    assert "Too many failed attempts" in right.json()["detail"]
    assert int(right["Retry-After"]) > 0
    client.user.refresh_from_db()
    assert client.user.check_password(PASSWORD)


def test_the_password_endpoints_share_sign_ins_throttle(client_for, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "2/minute"})
    client = client_for()

    statuses = [client.post(DELETE_URL, {}, format="json").status_code for _ in range(2)]
    throttled = client.post(PASSWORD_URL, {}, format="json")

    assert statuses == [400, 400]
    assert throttled.status_code == 429
    assert "Retry-After" in throttled


# --- DELETE /api/account/token -----------------------------------------------------------


def test_a_revoked_token_stops_working_and_a_log_in_issues_a_new_one(client_for, api_client):
    client = client_for()
    old_key = Token.objects.get(user=client.user).key

    revoked = client.delete(TOKEN_URL)
    again = client.get(ACCOUNT)
    login = api_client.post(
        "/api/auth/token", {"username": client.user.username, "password": PASSWORD}
    )

    assert revoked.status_code == 204
    assert again.status_code == 401
    assert login.status_code == 200
    assert login.json()["token"] != old_key
    assert (
        signed_in_client(client.user).get(ACCOUNT).json()["token"]["prefix"]
        == login.json()["token"][:6]
    )


def test_revoking_without_a_token_is_fine(make_user):
    client = signed_in_client(make_user())

    assert client.delete(TOKEN_URL).status_code == 204
    assert client.get(ACCOUNT).json()["token"] is None


# --- POST /api/account/delete ------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"password": ""}, {"password": ["x"]}, {"password": None}])
def test_deleting_needs_a_password(client_for, body):
    client = client_for()

    response = client.post(DELETE_URL, body, format="json")

    assert response.status_code == 400
    assert "password" in response.json()
    assert get_user_model().objects.filter(pk=client.user.pk).exists()


def test_deleting_with_a_wrong_password_keeps_everything(client_for):
    client = client_for()
    DreamFactory(owner=client.user)

    response = client.post(DELETE_URL, {"password": "not it"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"password": ["That is not your password."]}
    assert Dream.objects.filter(owner=client.user).count() == 1
    assert client.get(ACCOUNT).status_code == 200


def test_after_deleting_nothing_signs_in_as_them(client_for, api_client, committed):
    # Given an account used from an app (token), a browser and a phone (sessions)
    client = client_for()
    user = client.user
    browser, phone = signed_in_client(user), signed_in_client(user)
    DreamFactory.create_batch(2, owner=user)

    # When the browser deletes the account
    with committed():
        response = browser.post(DELETE_URL, {"password": PASSWORD}, format="json")

    # Then the account and its dreams are gone, and no credential of theirs works
    assert response.status_code == 204, response.content
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not Dream.objects.filter(owner_id=user.pk).exists()
    assert not Token.objects.filter(user_id=user.pk).exists()
    assert client.get(ACCOUNT).status_code == 401
    assert not is_signed_in(browser)
    assert not is_signed_in(phone)
    login = api_client.post("/api/auth/token", {"username": user.username, "password": PASSWORD})
    assert login.status_code == 401


def test_deleting_removes_their_journal_exports_at_once(client_for, committed, settings):
    # Given an account with a packed export of its journal waiting for download
    client = client_for()
    export = JournalExport.objects.create(user=client.user, status=ExportStatus.READY)
    export.file.save("journal.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    packed = Path(settings.MEDIA_ROOT) / export.file.name
    assert packed.exists()

    # When they delete the account
    with committed():
        response = client.post(DELETE_URL, {"password": PASSWORD}, format="json")

    # Then the export is gone, row and file, without waiting for the sweep
    assert response.status_code == 204, response.content
    assert not JournalExport.objects.filter(pk=export.pk).exists()
    assert not packed.exists()


def test_deleting_removes_their_videos_from_storage_but_keeps_shared_ones(
    client_for, committed, run_jobs, files, video_bytes, tmp_path, settings
):
    # Given alice stored two videos, one of which bob stored too (the same bytes: one asset)
    mine = make_mp4(tmp_path / "mine.mp4", seconds=2, shade=90).read_bytes()
    files.expect_request("/mine.mp4").respond_with_data(mine, content_type="video/mp4")
    alice, bob = client_for(), client_for()

    def store(client, url: str) -> dict:
        body = {"title": "Owls", "content": "Owls read to me.", "video_url": files.url_for(url)}
        with committed():
            created = client.post("/api/dreams", body, format="json")
        assert created.status_code == 201, created.content
        run_jobs()
        return client.get(f"/api/dreams/{created.json()['id']}").json()

    store(alice, "/dream.mp4")
    store(alice, "/mine.mp4")
    bobs = store(bob, "/dream.mp4")
    assert VideoAsset.objects.count() == 2
    shared = VideoAsset.objects.get(pk=Dream.objects.get(pk=bobs["id"]).video_asset_id)
    media = Path(settings.MEDIA_ROOT)
    assert len(files_under(media)) == 4  # two videos, two thumbnails

    # When alice deletes her account
    with committed():
        response = alice.post(DELETE_URL, {"password": PASSWORD}, format="json")

    # Then only the shared video and its thumbnail are left, and bob's dream still plays
    assert response.status_code == 204, response.content
    assert list(VideoAsset.objects.all()) == [shared]
    assert files_under(media) == asset_files(shared)
    played = bob.get(bobs["video_url"])
    assert played.status_code == 200
    assert b"".join(played.streaming_content) == video_bytes


def test_deleting_keeps_assets_used_by_demo_dreams_and_other_peoples_jobs(
    make_user, committed, settings
):
    # Given alice's dreams use four stored videos: one only hers, one also in a demo dream,
    # one also the result of someone else's job, and her job's own result
    alice, bob = make_user(), make_user()
    only_hers, in_demo, in_bobs_job, her_jobs = (stored_asset() for _ in range(4))
    for asset in (only_hers, in_demo, in_bobs_job):
        DreamFactory(owner=alice, with_video=True, video_asset=asset)
    DemoDreamFactory(with_video=True, video_asset=in_demo)
    for owner, asset in ((bob, in_bobs_job), (alice, her_jobs)):
        VideoJob.objects.create(
            kind=JobKind.GENERATE,
            provider="demo",
            user=owner,
            status=JobStatus.SUCCEEDED,
            progress=1.0,
            asset=asset,
        )

    # When alice deletes her account
    with committed():
        from dreams.services import account_delete

        account_delete(user=alice, password=PASSWORD)

    # Then the videos only she used are gone, rows and files; the others stay
    kept = set(VideoAsset.objects.values_list("pk", flat=True))
    assert kept == {in_demo.pk, in_bobs_job.pk}
    media = Path(settings.MEDIA_ROOT)
    assert files_under(media) == asset_files(in_demo) | asset_files(in_bobs_job)
    assert DemoDream.objects.filter(video_asset=in_demo).exists()
    assert VideoJob.objects.filter(user=bob, asset=in_bobs_job).exists()
    assert not VideoJob.objects.filter(user_id=alice.pk).exists()


def test_deleting_cancels_a_job_in_flight_and_drops_its_upload(
    client_for, committed, video_bytes, settings
):
    # Given alice is uploading a video for a dream: the file waits in storage for its job
    alice = client_for()
    dream = DreamFactory(owner=alice.user)
    upload = ContentFile(video_bytes, name="dream.mp4")
    with committed():
        stored = alice.post(
            f"/api/ai/store-video?dream_id={dream.pk}",
            {"dream_id": str(dream.pk), "file": upload},
            format="multipart",
        )
    assert stored.status_code == 202, stored.content
    job_id = stored.json()["video_job"]["id"]
    assert VideoJob.objects.get(pk=job_id).status == JobStatus.QUEUED
    media = Path(settings.MEDIA_ROOT)
    assert any(name.startswith("staging/") for name in files_under(media))

    # When alice deletes her account
    with committed():
        response = alice.post(DELETE_URL, {"password": PASSWORD}, format="json")

    # Then the job is gone and so is the uploaded file
    assert response.status_code == 204, response.content
    assert not VideoJob.objects.filter(pk=job_id).exists()
    assert files_under(media) == set()


# --- The account page ----------------------------------------------------------------------


def test_the_account_page_needs_a_signed_in_user(client):
    response = client.get("/account/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/account/"


def test_the_account_page_shows_the_token_masked_and_the_archive_place(client, make_user):
    user = make_user(email="luna@example.com")
    token = Token.objects.create(user=user)
    client.force_login(user)

    page = client.get("/account/").content.decode()

    assert token.key[:6] in page
    assert token.key not in page
    assert 'value="luna@example.com"' in page
    assert 'href="/account/"' in page  # the header's "Account" link


def test_the_page_shows_a_wrong_password_on_its_field(client, make_user):
    user = make_user()
    client.force_login(user)

    response = client.post("/account/delete/", {"password": "not it", "confirm": "on"})

    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_the_page_refuses_to_delete_without_the_confirmation(client, make_user):
    user = make_user()
    client.force_login(user)

    response = client.post("/account/delete/", {"password": PASSWORD})

    assert response.status_code == 400
    assert "Tick this box to confirm." in response.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_the_page_locks_out_password_guessing_with_the_429_page(client, make_user):
    user = make_user()
    client.force_login(user)
    wrong = {"current_password": "guess", "new_password": NEW_PASSWORD}

    statuses = [client.post("/account/password/", wrong).status_code for _ in range(5)]

    assert statuses == [400, 400, 400, 400, 429]
    locked = client.post(
        "/account/password/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_deleting_from_the_page_signs_out_and_says_goodbye(client, make_user, committed):
    user = make_user()
    client.force_login(user)

    with committed():
        response = client.post(
            "/account/delete/", {"password": PASSWORD, "confirm": "on"}, follow=True
        )

    assert response.redirect_chain == [("/", 302)]
    page = response.content.decode()
    assert "Your account, dreams and videos are deleted." in page
    assert "Log in" in page
    assert not get_user_model().objects.filter(pk=user.pk).exists()
