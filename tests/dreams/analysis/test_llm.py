"""OpenAIAnalyst against a fake chat-completions server on loopback (pytest-httpserver).

The fake speaks the OpenAI wire format: ``POST /v1/chat/completions`` answered with
``{"choices": [{"message": {"role": "assistant", "content": "<JSON>"}, "finish_reason":
...}]}``. Good answers, malformed JSON, schema violations, refusals, HTTP errors,
timeouts and oversized answers; what is sent, and where the key goes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from dreams.analysis.llm import (
    MAX_REFLECTION_CHARS,
    SYSTEM_PROMPT,
    OpenAIAnalyst,
    _message_json,
    parse_analysis,
)
from dreams.analysis.providers import (
    AnalysisError,
    LocalAnalyst,
    Symbol,
    analysis_provider_name,
    get_analysis_provider,
    llm_analysis_enabled,
)
from videos.prompts import utf16_len

KEY = "sk-test-0123456789abcdef"
PATH = "/v1/chat/completions"
TITLE = "The coral library"
CONTENT = (
    "I walked down a spiral staircase into a library where the shelves were coral and the "
    "books breathed like fish. My grandmother read aloud to the tide and I felt wonder."
)

#: A good answer, with an unknown key the analyst must drop.
GOOD = {
    "emotions": ["Wonder", "calm", "wonder"],
    "keywords": ["spiral staircase", "coral library"],
    "mood": "Serene",
    "valence": 0.6,
    "arousal": 0.25,
    "symbols": [
        {"name": "Staircase", "family": "house and rooms", "meaning": "descent"},
        {"name": "grandmother", "family": "people"},
    ],
    "reflection": "Perhaps the library is a place where what you learnt from family lives on.",
    "video_prompt": "A spiral staircase descends into a coral library lit by drifting fish.",
    "confidence": 0.9,
}


def completion(content: object, *, finish_reason: str = "stop", **message: object) -> dict:
    """A chat-completions answer whose first choice carries ``content`` (a dict is JSON)."""
    text = json.dumps(content) if isinstance(content, dict) else content
    return {
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1_764_547_200,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, **message},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 200, "completion_tokens": 120, "total_tokens": 320},
    }


@pytest.fixture
def analyst(httpserver: HTTPServer) -> Iterator[OpenAIAnalyst]:
    a = OpenAIAnalyst(httpserver.url_for(""), "gpt-4o-mini", KEY, timeout=5)
    yield a
    a.close()


def failure(analyst: OpenAIAnalyst) -> AnalysisError:
    with pytest.raises(AnalysisError) as info:
        analyst.analyse(TITLE, CONTENT)
    assert KEY not in str(info.value) and KEY not in info.value.message
    return info.value


# -- a good answer -------------------------------------------------------------------------


def test_a_good_answer_is_validated_into_a_reading(httpserver: HTTPServer, analyst) -> None:
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(completion(GOOD))

    reading = analyst.analyse(TITLE, CONTENT)

    assert reading.source == "llm"
    assert reading.emotions == ("wonder", "calm")  # lowercased, deduplicated
    assert reading.keywords == ("spiral staircase", "coral library")
    assert reading.mood == "serene"
    assert reading.valence == 0.6 and reading.arousal == 0.25
    assert reading.symbols == (
        Symbol(name="staircase", family="house and rooms"),
        Symbol(name="grandmother", family="people"),
    )
    assert reading.reflection == GOOD["reflection"]
    assert reading.video_prompt == GOOD["video_prompt"]
    stored = reading.as_dict()
    assert "confidence" not in stored and "meaning" not in json.dumps(stored)
    assert stored["symbols"][0] == {"name": "staircase", "family": "house and rooms"}


def test_the_request_is_the_chat_completions_wire_format(httpserver: HTTPServer, analyst):
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(completion(GOOD))

    analyst.analyse(TITLE, CONTENT)

    [(sent, _)] = httpserver.log
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    body = json.loads(sent.data)
    assert body["model"] == "gpt-4o-mini"
    assert body["response_format"] == {"type": "json_object"}
    assert body["stream"] is False
    system, user = body["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    for key in ("emotions", "keywords", "mood", "valence", "arousal", "symbols", "reflection"):
        assert f'"{key}"' in SYSTEM_PROMPT
    assert "house and rooms" in SYSTEM_PROMPT  # the symbol families of our lexicon
    assert user["role"] == "user"
    assert json.loads(user["content"]) == {"title": TITLE, "dream": CONTENT}


def test_the_key_travels_only_in_the_authorization_header(httpserver: HTTPServer, analyst):
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(completion(GOOD))

    analyst.analyse(TITLE, CONTENT)

    [(sent, _)] = httpserver.log
    assert KEY not in sent.url and KEY not in sent.get_data(as_text=True)
    others = {name: value for name, value in sent.headers.items() if name != "Authorization"}
    assert KEY not in json.dumps(others)
    assert KEY not in repr(analyst)


def test_without_a_key_no_authorization_header_is_sent(httpserver: HTTPServer) -> None:
    # A local Ollama, vLLM or LM Studio wants none.
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(completion(GOOD))
    analyst = OpenAIAnalyst(httpserver.url_for("/v1/"), "llama3.2", "")

    assert analyst.analyse(TITLE, CONTENT).mood == "serene"

    [(sent, _)] = httpserver.log
    assert sent.path == PATH  # a base URL ending in /v1 is accepted as well
    assert "Authorization" not in sent.headers


def test_the_dream_sent_is_cut_to_max_input_chars(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(completion(GOOD))
    analyst = OpenAIAnalyst(httpserver.url_for(""), "m", KEY, max_input_chars=100)

    analyst.analyse("Title", "x" * 20_000)

    [(sent, _)] = httpserver.log
    dream = json.loads(json.loads(sent.data)["messages"][1]["content"])
    assert len(dream["title"]) + len(dream["dream"]) == 100
    assert dream["dream"].endswith("[…]")


def test_a_code_fenced_answer_is_accepted(httpserver: HTTPServer, analyst) -> None:
    fenced = "```json\n" + json.dumps(GOOD) + "\n```"
    httpserver.expect_oneshot_request(PATH).respond_with_json(completion(fenced))

    assert analyst.analyse(TITLE, CONTENT).mood == "serene"


def test_only_emotions_and_mood_are_required(httpserver: HTTPServer, analyst) -> None:
    minimal = {"emotions": ["fear"], "mood": "uneasy", "reflection": None}
    httpserver.expect_oneshot_request(PATH).respond_with_json(completion(minimal))

    reading = analyst.analyse(TITLE, CONTENT)

    assert reading.as_dict() == {"emotions": ["fear"], "mood": "uneasy", "source": "llm"}
    # What the analyst left out comes from the local reading.
    local = {"emotions": ["joy"], "keywords": ["boat"], "mood": "joy", "source": "local"}
    assert reading.over(local) == {
        "emotions": ["fear"],
        "keywords": ["boat"],
        "mood": "uneasy",
        "source": "llm",
    }


# -- unusable answers: never retried -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("this is not json", id="not-json"),
        pytest.param('{"choices": [', id="truncated-json"),
        pytest.param(json.dumps({"choices": []}), id="no-choices"),
        pytest.param(json.dumps({"choices": [{"finish_reason": "stop"}]}), id="no-message"),
        pytest.param(json.dumps({"error": "x"}), id="not-a-completion"),
        pytest.param(json.dumps(completion("")), id="empty-content"),
        pytest.param(json.dumps(completion("I think the dream means")), id="prose"),
        pytest.param(json.dumps(completion('{"emotions": ["fear"], "mood":')), id="cut-json"),
        pytest.param(json.dumps(completion('["fear"]')), id="a-list"),
        pytest.param(json.dumps(completion(GOOD, finish_reason="length")), id="length"),
    ],
)
def test_malformed_answers_are_invalid_and_not_retryable(
    httpserver: HTTPServer, analyst, body: str
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(body, content_type="application/json")

    error = failure(analyst)

    assert error.code == "invalid_response" and not error.retryable


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"emotions": None}, id="emotions-missing"),
        pytest.param({"mood": None}, id="mood-missing"),
        pytest.param({"mood": ""}, id="mood-empty"),
        pytest.param({"mood": 3}, id="mood-number"),
        pytest.param({"emotions": "fear"}, id="emotions-string"),
        pytest.param({"emotions": ["fear", 1]}, id="emotions-number-item"),
        pytest.param({"emotions": [f"e{i}" for i in range(9)]}, id="too-many-emotions"),
        pytest.param({"keywords": ["x" * 51]}, id="keyword-too-long"),
        pytest.param({"keywords": [f"k{i}" for i in range(13)]}, id="too-many-keywords"),
        pytest.param({"valence": 1.5}, id="valence-over"),
        pytest.param({"valence": "0.5"}, id="valence-string"),
        pytest.param({"arousal": -0.1}, id="arousal-under"),
        pytest.param({"arousal": True}, id="arousal-bool"),
        pytest.param({"symbols": ["staircase"]}, id="symbol-string"),
        pytest.param({"symbols": [{"name": "staircase"}]}, id="symbol-no-family"),
        pytest.param({"symbols": [{"name": "s", "family": "f" * 31}]}, id="family-too-long"),
        pytest.param(
            {"symbols": [{"name": f"s{i}", "family": "f"} for i in range(13)]},
            id="too-many-symbols",
        ),
        pytest.param({"reflection": ["a", "b"]}, id="reflection-list"),
        pytest.param({"video_prompt": {"text": "x"}}, id="prompt-object"),
        pytest.param({"mood": "calm\x00"}, id="nul"),
        pytest.param({"reflection": "lone \ud800 surrogate"}, id="lone-surrogate"),
    ],
)
def test_schema_violations_are_invalid(httpserver: HTTPServer, analyst, change: dict) -> None:
    answer = {**GOOD, **change}
    answer = {key: value for key, value in answer.items() if value is not None}
    httpserver.expect_oneshot_request(PATH).respond_with_json(completion(answer))

    error = failure(analyst)

    assert error.code == "invalid_response" and not error.retryable


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "1e400"])
def test_non_finite_numbers_are_refused(constant: str) -> None:
    text = '{"emotions": ["fear"], "mood": "uneasy", "valence": ' + constant + "}"

    envelope = json.dumps(completion(text)).encode()
    with pytest.raises(AnalysisError) as info:
        parse_analysis(_message_json(envelope))
    assert info.value.code == "invalid_response"


def test_long_texts_are_cut_to_their_caps_not_refused() -> None:
    reading = parse_analysis(
        {
            "emotions": ["awe"],
            "mood": "awed",
            "reflection": "You dream. " * 400,
            "video_prompt": "🌊 waves " * 400,
        }
    )

    assert len(reading.reflection) <= MAX_REFLECTION_CHARS and reading.reflection.endswith("…")
    assert utf16_len(reading.video_prompt) <= 1000 and reading.video_prompt.endswith("…")


def test_labels_are_cleaned_onto_one_line() -> None:
    reading = parse_analysis(
        {
            "emotions": ["  Fear\n", "awe, wonder", "\u202etrap"],
            "mood": "Quietly\tuneasy.",
            "symbols": [{"name": "Old  House", "family": "House and Rooms"}],
            "reflection": "First line.\r\n\r\n\r\nSecond\x07 line.",
        }
    )

    assert reading.emotions == ("fear", "awe wonder", "trap")
    assert reading.mood == "quietly uneasy"
    assert reading.symbols == (Symbol(name="old house", family="house and rooms"),)
    assert reading.reflection == "First line.\n\nSecond line."


# -- refusals: never retried ---------------------------------------------------------------


def test_a_content_filter_finish_is_a_refusal(httpserver: HTTPServer, analyst) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_json(
        completion(None, finish_reason="content_filter")
    )

    error = failure(analyst)

    assert error.code == "refused" and not error.retryable


def test_a_refusal_message_is_a_refusal(httpserver: HTTPServer, analyst) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_json(
        completion(None, refusal="I'm sorry, I can't help with that.")
    )

    error = failure(analyst)

    assert error.code == "refused" and not error.retryable


def test_a_content_policy_400_is_a_refusal(httpserver: HTTPServer, analyst) -> None:
    body = {
        "error": {"message": "blocked", "type": "invalid_request_error", "code": "content_filter"}
    }
    httpserver.expect_oneshot_request(PATH).respond_with_json(body, status=400)

    error = failure(analyst)

    assert error.code == "refused" and not error.retryable and error.status_code == 400


# -- HTTP errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (429, "rate_limited", True),
        (500, "unavailable", True),
        (502, "unavailable", True),
        (503, "unavailable", True),
        (408, "timed_out", True),
        (400, "invalid_request", False),
        (404, "invalid_request", False),
        (401, "auth_failed", False),
        (403, "auth_failed", False),
        (302, "failed", False),
        (418, "failed", False),
    ],
)
def test_http_statuses_map_to_codes(
    httpserver: HTTPServer, analyst, caplog, status: int, code: str, retryable: bool
) -> None:
    headers = {"Location": "http://127.0.0.1:9/elsewhere"} if status == 302 else None
    httpserver.expect_oneshot_request(PATH).respond_with_json(
        {"error": {"message": f"echo {KEY}", "type": "x"}}, status=status, headers=headers
    )

    error = failure(analyst)

    assert (error.code, error.retryable, error.status_code) == (code, retryable, status)
    assert len(httpserver.log) == 1  # a redirect is not followed
    # The server's own words (here echoing the key) are neither relayed nor logged.
    assert "echo" not in error.message and KEY not in caplog.text


def test_retry_after_is_passed_on(httpserver: HTTPServer, analyst) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_json(
        {"error": {"message": "slow down"}}, status=429, headers={"Retry-After": "7"}
    )

    error = failure(analyst)

    assert error.code == "rate_limited" and error.retry_after == 7.0


def test_a_server_that_does_not_answer_in_time_is_a_retryable_timeout(
    httpserver: HTTPServer,
) -> None:
    release = threading.Event()

    def slow(_request: Request) -> Response:
        release.wait(timeout=3)  # far past the analyst's 0.2 s
        return Response(json.dumps(completion(GOOD)), content_type="application/json")

    httpserver.expect_oneshot_request(PATH).respond_with_handler(slow)
    analyst = OpenAIAnalyst(httpserver.url_for(""), "m", KEY, timeout=0.2)
    try:
        error = failure(analyst)
    finally:
        release.set()
        analyst.close()

    assert error.code == "timed_out" and error.retryable


def test_an_answer_that_stalls_midway_is_a_retryable_timeout(httpserver: HTTPServer) -> None:
    release = threading.Event()

    def drip(_request: Request) -> Response:
        def body():
            yield b'{"choices": ['
            release.wait(timeout=3)
            yield b"]}"

        return Response(body(), content_type="application/json")

    httpserver.expect_oneshot_request(PATH).respond_with_handler(drip)
    analyst = OpenAIAnalyst(httpserver.url_for(""), "m", KEY, timeout=0.3)
    try:
        error = failure(analyst)
    finally:
        release.set()
        analyst.close()

    assert error.code == "timed_out" and error.retryable


def test_connection_refused_is_retryable_unavailable() -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        analyst = OpenAIAnalyst(f"http://127.0.0.1:{sock.getsockname()[1]}", "m", KEY)
        error = failure(analyst)

    assert error.code == "unavailable" and error.retryable


# -- size caps -----------------------------------------------------------------------------


def test_an_oversized_answer_is_refused(httpserver: HTTPServer) -> None:
    huge = completion({**GOOD, "reflection": "x" * 100_000})
    httpserver.expect_oneshot_request(PATH).respond_with_json(huge)
    analyst = OpenAIAnalyst(httpserver.url_for(""), "m", KEY, max_response_bytes=64 * 1024)

    error = failure(analyst)

    assert error.code == "too_large" and not error.retryable


def test_an_oversized_answer_without_a_length_is_cut_off_while_streaming(
    httpserver: HTTPServer,
) -> None:
    sent = []

    def endless(_request: Request) -> Response:
        def body():
            yield b'{"choices": [{"message": {"content": "'
            for _ in range(1000):  # 8 MB if anyone read it all
                sent.append(1)
                yield b"x" * 8192

        return Response(body(), content_type="application/json")  # chunked: no length

    httpserver.expect_oneshot_request(PATH).respond_with_handler(endless)
    analyst = OpenAIAnalyst(httpserver.url_for(""), "m", KEY, max_response_bytes=16 * 1024)

    error = failure(analyst)

    assert error.code == "too_large" and not error.retryable


# -- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "ftp://example.com",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70",
        "javascript:alert(1)",
        "example.com",
        "",
        "https://user:secret@example.com",
        "https://example.com/?x=1",
    ],
)
def test_only_plain_http_and_https_base_urls_are_accepted(base_url: str) -> None:
    with pytest.raises(ValueError) as info:
        OpenAIAnalyst(base_url, "m", KEY)
    assert "secret" not in str(info.value)


@pytest.mark.parametrize("key", ["has space", "new\nline", "ключ"])
def test_a_key_that_cannot_be_a_header_is_refused_without_echo(key: str) -> None:
    with pytest.raises(ValueError) as info:
        OpenAIAnalyst("https://api.openai.com", "m", key)
    assert key not in str(info.value)


def test_settings_choose_the_analyst(settings, httpserver: HTTPServer) -> None:
    settings.ANALYSIS_PROVIDER = "local"
    assert analysis_provider_name() == "local" and not llm_analysis_enabled()
    assert isinstance(get_analysis_provider(), LocalAnalyst)

    settings.ANALYSIS_PROVIDER = "openai"
    settings.ANALYSIS_BASE_URL = httpserver.url_for("")
    settings.ANALYSIS_MODEL = "qwen2.5"
    settings.ANALYSIS_TIMEOUT_SECONDS = 3
    analyst = get_analysis_provider()
    assert isinstance(analyst, OpenAIAnalyst) and llm_analysis_enabled()
    assert analyst.model == "qwen2.5" and analyst.timeout == (3.0, 3.0)
    assert analyst.max_input_chars == 8000 and analyst.max_response_bytes == 64 * 1024
    assert get_analysis_provider() is analyst  # built once per settings

    settings.ANALYSIS_BASE_URL = "ftp://example.com"
    with pytest.raises(ValueError):
        get_analysis_provider()
    settings.ANALYSIS_PROVIDER = "gpt"
    with pytest.raises(ValueError):
        analysis_provider_name()


def test_the_local_analyst_wraps_the_local_analyzer() -> None:
    reading = LocalAnalyst().analyse(TITLE, CONTENT)

    assert reading.source == "local"
    assert isinstance(reading.emotions, tuple) and reading.mood
    assert reading.as_dict()["source"] == "local"


def test_the_largest_valid_reading_is_one_the_api_takes_back() -> None:
    # The editor sends the stored analysis back with every save: it must validate.
    from dreams.api.serializers import validate_analysis

    reading = parse_analysis(
        {
            "emotions": [f"{i}{'e' * 49}" for i in range(8)],
            "keywords": [f"{i:02}{'k' * 48}" for i in range(12)],
            "mood": "m" * 30,
            "valence": -1,
            "arousal": 1,
            "symbols": [{"name": f"{i:02}{'s' * 48}", "family": "f" * 30} for i in range(12)],
            "reflection": "é" * 2000,
            "video_prompt": "🌊" * 500,
        }
    )
    stored = reading.over(LocalAnalyst().analyse(TITLE, CONTENT).as_dict())

    assert validate_analysis(stored) == stored
