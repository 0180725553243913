"""Every input rule answers with a clear 400 naming the field, and bad input is never a 500."""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = pytest.mark.django_db

DREAMS = "/api/dreams"


def valid_dream(**overrides) -> dict:
    return {
        "title": "Falling",
        "content": "I fell through clouds.",
        # Sent so the boundary tests do not depend on (or pay for) the local analysis
        "analysis": {"emotions": ["fear"], "keywords": ["clouds"]},
        **overrides,
    }


def assert_rejected(response, field: str) -> None:
    """A 400 whose body names ``field`` with at least one human-readable message."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    messages = body[field]
    flat = json.dumps(messages)
    assert messages and any(ch.isalpha() for ch in flat), body


def assert_nothing_saved(client) -> None:
    assert client.get(DREAMS).json()["results"] == []


# --- title and content ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param(None, id="null"),
        pytest.param("x" * 201, id="201-chars"),
        pytest.param(["a list"], id="list"),
        pytest.param({"an": "object"}, id="object"),
        pytest.param("nul\x00byte", id="nul-byte"),
    ],
)
def test_bad_title_is_rejected(auth_client, title):
    response = auth_client.post(DREAMS, valid_dream(title=title), format="json")

    assert_rejected(response, "title")
    assert_nothing_saved(auth_client)


def test_control_characters_are_dropped_and_pasted_line_breaks_kept(auth_client):
    # Word's manual line break pastes as a vertical tab; an escape shows as a box
    body = valid_dream(title="Night\x0bswim\x1b", content="I swam\x0bin a lake\x08 of stars")

    response = auth_client.post(DREAMS, body, format="json")

    assert response.status_code == 201, response.data
    assert response.data["title"] == "Night swim"
    assert response.data["content"] == "I swam\nin a lake of stars"


def test_missing_title_is_rejected(auth_client):
    body = valid_dream()
    del body["title"]

    assert_rejected(auth_client.post(DREAMS, body, format="json"), "title")


def test_title_of_200_chars_is_accepted(auth_client):
    response = auth_client.post(DREAMS, valid_dream(title="t" * 200), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["title"] == "t" * 200


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("", id="empty"),
        pytest.param("\n\t ", id="blank"),
        pytest.param(None, id="null"),
        pytest.param("c" * 20_001, id="20001-chars"),
    ],
)
def test_bad_content_is_rejected(auth_client, content):
    response = auth_client.post(DREAMS, valid_dream(content=content), format="json")

    assert_rejected(response, "content")
    assert_nothing_saved(auth_client)


def test_missing_content_is_rejected(auth_client):
    body = valid_dream()
    del body["content"]

    assert_rejected(auth_client.post(DREAMS, body, format="json"), "content")


def test_content_of_20000_chars_is_accepted(auth_client):
    response = auth_client.post(DREAMS, valid_dream(content="c" * 20_000), format="json")

    assert response.status_code == 201, response.content
    assert len(response.json()["content"]) == 20_000


def test_long_content_without_analysis_is_analysed(auth_client):
    # A 20,000-character dream still gets its local analysis
    words = "I wandered through an endless library of whispering books. "
    content = (words * (20_000 // len(words)))[:20_000]

    response = auth_client.post(DREAMS, {"title": "Library", "content": content}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["analysis"]["keywords"]


def test_every_bad_field_is_reported_at_once(auth_client):
    response = auth_client.post(
        DREAMS, {"title": "", "content": "", "video_duration": 0}, format="json"
    )

    assert response.status_code == 400
    assert {"title", "content", "video_duration"} <= set(response.json())


# --- video_duration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "duration",
    [
        pytest.param(1, id="1"),
        pytest.param(11, id="11"),
        pytest.param(0, id="0"),
        pytest.param(-4, id="negative"),
        pytest.param("4s", id="4s"),
        pytest.param(4.5, id="4.5"),
        pytest.param(True, id="true"),
        pytest.param(None, id="null"),
        pytest.param(10**30, id="huge"),
    ],
)
def test_bad_video_duration_is_rejected(auth_client, duration):
    response = auth_client.post(DREAMS, valid_dream(video_duration=duration), format="json")

    assert_rejected(response, "video_duration")
    assert_nothing_saved(auth_client)


@pytest.mark.parametrize("duration", [2, 10, "5"])
def test_video_duration_in_range_is_accepted(auth_client, duration):
    response = auth_client.post(DREAMS, valid_dream(video_duration=duration), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["video_duration"] == int(duration)


@pytest.mark.parametrize("duration", [1, 11, "4s", 4.5, True])
def test_bad_video_duration_on_edit_is_rejected_and_nothing_changes(auth_client, duration):
    created = auth_client.post(DREAMS, valid_dream(), format="json").json()
    url = f"{DREAMS}/{created['id']}"

    patched = auth_client.patch(url, {"video_duration": duration}, format="json")
    put = auth_client.put(url, valid_dream(video_duration=duration), format="json")

    assert_rejected(patched, "video_duration")
    assert_rejected(put, "video_duration")
    assert auth_client.get(url).json() == created


# --- video_url and thumbnail_url ----------------------------------------------------------


@pytest.mark.parametrize("field", ["video_url", "thumbnail_url"])
@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://videos.example.com/clip.mp4", id="ftp"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("file:///etc/passwd", id="file"),
        pytest.param("data:video/mp4;base64,AAAA", id="data"),
        pytest.param("not a url", id="not-a-url"),
        pytest.param("//videos.example.com/clip.mp4", id="scheme-relative"),
        pytest.param("https://videos.example.com/" + "a" * 2048, id="over-2048"),
        pytest.param(42, id="number"),
    ],
)
def test_bad_url_is_rejected(auth_client, field, url):
    response = auth_client.post(DREAMS, valid_dream(**{field: url}), format="json")

    assert_rejected(response, field)
    assert_nothing_saved(auth_client)


@pytest.mark.parametrize("field", ["video_url", "thumbnail_url"])
def test_bad_url_on_edit_is_rejected(auth_client, field):
    dream_id = auth_client.post(DREAMS, valid_dream(), format="json").json()["id"]

    response = auth_client.patch(
        f"{DREAMS}/{dream_id}", {field: "javascript:alert(1)"}, format="json"
    )

    assert_rejected(response, field)
    assert auth_client.get(f"{DREAMS}/{dream_id}").json()["video_status"] == "none"


def test_url_of_2048_chars_is_accepted(auth_client):
    url = "https://videos.example.com/"
    url += "a" * (2048 - len(url))

    response = auth_client.post(DREAMS, valid_dream(thumbnail_url=url), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["thumbnail_url"] == url


# --- video_prompt --------------------------------------------------------------------------


def test_video_prompt_over_1000_chars_is_rejected(auth_client):
    response = auth_client.post(DREAMS, valid_dream(video_prompt="p" * 1001), format="json")

    assert_rejected(response, "video_prompt")


# --- analysis --------------------------------------------------------------------------


def big_analysis() -> dict:
    return {"emotions": ["joy"], "notes": "n" * (16 * 1024)}


@pytest.mark.parametrize(
    "analysis",
    [
        pytest.param(["fear", "joy"], id="list"),
        pytest.param("fear", id="string"),
        pytest.param(7, id="number"),
        pytest.param(None, id="null"),
        pytest.param(big_analysis(), id="over-16KB"),
        pytest.param({"emotions": "fear"}, id="emotions-not-a-list"),
        pytest.param({"emotions": {"fear": 1}}, id="emotions-an-object"),
        pytest.param({"emotions": [f"e{i}" for i in range(21)]}, id="emotions-21-items"),
        pytest.param({"emotions": ["x" * 51]}, id="emotion-51-chars"),
        pytest.param({"emotions": [1, 2]}, id="emotions-not-strings"),
        pytest.param({"emotions": ["fear", None]}, id="emotions-with-null"),
        pytest.param({"keywords": "forest"}, id="keywords-not-a-list"),
        pytest.param({"keywords": [f"k{i}" for i in range(21)]}, id="keywords-21-items"),
        pytest.param({"keywords": ["k" * 51]}, id="keyword-51-chars"),
        pytest.param({"keywords": [["nested"]]}, id="keywords-not-strings"),
    ],
)
def test_bad_analysis_is_rejected(auth_client, analysis):
    response = auth_client.post(DREAMS, valid_dream(analysis=analysis), format="json")

    assert_rejected(response, "analysis")
    assert_nothing_saved(auth_client)


@pytest.mark.parametrize(
    "analysis, names",
    [
        ({"emotions": "fear"}, "emotions"),
        ({"keywords": ["k" * 51]}, "keywords"),
    ],
)
def test_analysis_error_names_the_inner_list(auth_client, analysis, names):
    response = auth_client.post(DREAMS, valid_dream(analysis=analysis), format="json")

    assert response.status_code == 400
    assert names in json.dumps(response.json()["analysis"])


def test_analysis_at_the_limits_is_accepted(auth_client):
    analysis = {
        "emotions": ["e" * 50] * 20,
        "keywords": [f"keyword {i}" for i in range(20)],
        "mood": "calm",
        "extra": {"any": ["shape", 1, True, None]},
    }

    response = auth_client.post(DREAMS, valid_dream(analysis=analysis), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["analysis"] == analysis


def test_bad_analysis_on_edit_is_rejected(auth_client):
    created = auth_client.post(DREAMS, valid_dream(), format="json").json()

    response = auth_client.patch(f"{DREAMS}/{created['id']}", {"analysis": ["fear"]}, format="json")

    assert_rejected(response, "analysis")
    assert auth_client.get(f"{DREAMS}/{created['id']}").json() == created


# --- is_public --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["maybe", [True], {"yes": 1}])
def test_bad_is_public_is_rejected(auth_client, value):
    response = auth_client.post(DREAMS, valid_dream(is_public=value), format="json")

    assert_rejected(response, "is_public")


# --- the body itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "Falling", "content": ',
        b"{'title': 'single quotes'}",
        b'{"title": "x", "content": "y",}',
        b"\xff\xfe not utf-8",
        b"NaN",
    ],
    ids=["truncated", "single-quotes", "trailing-comma", "not-utf8", "nan"],
)
def test_malformed_json_is_400_with_a_detail(auth_client, raw):
    response = auth_client.generic("POST", DREAMS, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"]
    assert_nothing_saved(auth_client)


@pytest.mark.parametrize("raw", [b"[]", b'"a string"', b"null", b"42"])
def test_json_that_is_not_an_object_is_400(auth_client, raw):
    response = auth_client.generic("POST", DREAMS, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()
    assert_nothing_saved(auth_client)


def test_empty_body_names_the_required_fields(auth_client):
    response = auth_client.generic("POST", DREAMS, b"", content_type="application/json")

    assert response.status_code == 400
    assert {"title", "content"} <= set(response.json())


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/x-yaml"],
)
def test_unsupported_content_type_is_415(auth_client, content_type):
    response = auth_client.generic(
        "POST", DREAMS, json.dumps(valid_dream()).encode(), content_type=content_type
    )

    assert response.status_code == 415
    assert response.json()["detail"]
    assert_nothing_saved(auth_client)


def test_unsupported_content_type_on_edit_is_415(auth_client):
    dream_id = auth_client.post(DREAMS, valid_dream(), format="json").json()["id"]

    response = auth_client.generic(
        "PATCH", f"{DREAMS}/{dream_id}", b"title=x", content_type="text/plain"
    )

    assert response.status_code == 415


def test_form_encoded_body_is_accepted(auth_client):
    # Plain HTML forms can post a dream too
    response = auth_client.post(DREAMS, {"title": "Form", "content": "From a form."})

    assert response.status_code == 201, response.content


def test_unknown_fields_are_ignored(auth_client):
    response = auth_client.post(
        DREAMS,
        valid_dream(
            id=str(uuid.uuid4()),
            storage="emergency",
            moderation_status="approved",
            video_status="ready",
            owner=999,
        ),
        format="json",
    )

    assert response.status_code == 201, response.content
    dream = response.json()
    assert dream["storage"] == "dreams"
    assert dream["moderation_status"] == "pending"
    assert dream["video_status"] == "none"


def test_read_only_fields_cannot_be_patched(auth_client):
    created = auth_client.post(DREAMS, valid_dream(is_public=True), format="json").json()

    response = auth_client.patch(
        f"{DREAMS}/{created['id']}",
        {"moderation_status": "approved", "video_status": "ready", "id": str(uuid.uuid4())},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    assert response.json()["moderation_status"] == "pending"
    assert response.json()["video_status"] == "none"


# --- odd input is never a 500 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "%",
        "_",
        "'; DROP TABLE dreams; --",
        "\\",
        "ünïcödé 夢",
        "x" * 5000,
        "\x00",
    ],
    ids=["percent", "underscore", "sql", "backslash", "unicode", "5000-chars", "nul-byte"],
)
def test_odd_search_text_is_not_an_error(auth_client, query):
    auth_client.post(DREAMS, valid_dream(title="100% real"), format="json")

    response = auth_client.get(DREAMS, {"q": query})

    assert response.status_code in {200, 400}
    if response.status_code == 200:
        titles = [d["title"] for d in response.json()["results"]]
        assert titles in ([], ["100% real"])


def test_search_treats_percent_literally(auth_client):
    auth_client.post(DREAMS, valid_dream(title="100% real"), format="json")
    auth_client.post(DREAMS, valid_dream(title="Ordinary"), format="json")

    results = auth_client.get(DREAMS, {"q": "%"}).json()["results"]

    # Not a wildcard: a literal match (SQLite's phrase search), or no word at all (full text)
    assert [d["title"] for d in results] in (["100% real"], [])


@pytest.mark.parametrize(
    "params",
    [{"page_size": "abc"}, {"page_size": "-1"}, {"page_size": "100000"}, {"has_video": "x"}],
)
def test_odd_list_parameters_are_not_an_error(auth_client, params):
    auth_client.post(DREAMS, valid_dream(), format="json")

    response = auth_client.get(DREAMS, params)

    assert response.status_code in {200, 400}


@pytest.mark.parametrize(
    "analysis",
    [
        pytest.param({"notes": "nul \x00 inside"}, id="nul-in-value"),
        pytest.param({"nul\x00key": "value"}, id="nul-in-key"),
        pytest.param({"emotions": ["fe\x00ar"]}, id="nul-in-emotion"),
    ],
)
def test_analysis_with_a_nul_character_is_not_a_500(auth_client, analysis):
    # PostgreSQL's jsonb cannot store U+0000: it must be refused, or stored, never crash
    response = auth_client.post(DREAMS, valid_dream(analysis=analysis), format="json")

    assert response.status_code in {201, 400}, response.content


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"notes": "\\ud800"}', id="lone-surrogate-value"),
        pytest.param(b'{"emotions": ["\\udfff"]}', id="lone-surrogate-emotion"),
    ],
)
def test_analysis_with_a_lone_surrogate_is_not_a_500(auth_client, raw):
    body = b'{"title": "T", "content": "C", "analysis": ' + raw + b"}"

    response = auth_client.generic("POST", DREAMS, body, content_type="application/json")

    assert response.status_code in {201, 400}, response.content


@pytest.mark.parametrize("field", ["title", "content", "video_prompt"])
def test_text_with_a_lone_surrogate_is_rejected(auth_client, field):
    body = json.dumps(valid_dream(**{field: "ok"})).replace('"ok"', '"\\ud800"')

    response = auth_client.generic("POST", DREAMS, body.encode(), content_type="application/json")

    assert_rejected(response, field)


def test_deeply_nested_json_is_not_a_500(auth_client):
    body = b'{"title": "T", "content": "C", "analysis": {"x": ' + b"[" * 100_000
    body += b"]" * 100_000 + b"}}"

    response = auth_client.generic("POST", DREAMS, body, content_type="application/json")

    assert response.status_code == 400


def test_oversized_body_is_refused(auth_client):
    body = json.dumps(valid_dream(content="c" * 3_000_000)).encode()

    response = auth_client.generic("POST", DREAMS, body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert_nothing_saved(auth_client)
