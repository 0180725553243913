"""RunwayProvider against a fake RunwayML (pytest-httpserver) speaking the real wire format."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from videos import errors
from videos.catalog import style_by_id
from videos.providers import default_provider_name, get_provider
from videos.providers.base import GenerationRequest, ProviderError, TaskState, VideoProvider
from videos.providers.runway import (
    RunwayProvider,
    error_code_for_failure,
    parse_retry_after,
)
from videos.sources import VideoSource

SECRET = "key_0123456789abcdef-test-secret"
TASK_ID = "17f20503-6c24-4c16-946b-35dbbce2af2f"
TASK_PATH = f"/v1/tasks/{TASK_ID}"
AUTH_HEADERS = {"Authorization": f"Bearer {SECRET}", "X-Runway-Version": "2024-11-06"}


@pytest.fixture
def provider(httpserver: HTTPServer) -> Iterator[RunwayProvider]:
    p = RunwayProvider(api_secret=SECRET, base_url=httpserver.url_for(""))
    yield p
    p.close()


def make_request(**overrides: object) -> GenerationRequest:
    fields: dict[str, object] = {
        "prompt": "A lighthouse floating above a violet sea",
        "duration": 5,
        "ratio": "1280:720",
    }
    fields.update(overrides)
    return GenerationRequest(**fields)  # type: ignore[arg-type]


def task(status: str, **extra: object) -> dict[str, object]:
    return {"id": TASK_ID, "status": status, "createdAt": "2025-01-01T00:00:00.000Z", **extra}


# -- submit -----------------------------------------------------------------------------


def test_submit_sends_exact_wire_format_with_seed(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    expected_body = {
        "model": "gen4.5",
        "promptText": "A lighthouse floating above a violet sea",
        "ratio": "1280:720",
        "duration": 5,
        "seed": 4_294_967_295,
    }
    httpserver.expect_oneshot_request(
        "/v1/text_to_video",
        method="POST",
        headers={**AUTH_HEADERS, "Content-Type": "application/json"},
        json=expected_body,
    ).respond_with_json({"id": TASK_ID})

    result = provider.submit(make_request(seed=4_294_967_295), idempotency_key="job-1")

    assert result.task_id == TASK_ID
    httpserver.check_assertions()
    (sent, _response), *_ = httpserver.log
    assert sent.method == "POST"
    assert sent.path == "/v1/text_to_video"
    assert sent.headers["Authorization"] == f"Bearer {SECRET}"
    assert sent.headers["X-Runway-Version"] == "2024-11-06"
    assert sent.headers["Content-Type"] == "application/json"
    # Exactly these keys: our idempotency key is not a RunwayML field.
    assert json.loads(sent.get_data()) == expected_body


def test_submit_omits_seed_when_none(httpserver: HTTPServer, provider: RunwayProvider) -> None:
    httpserver.expect_oneshot_request("/v1/text_to_video", method="POST").respond_with_json(
        {"id": TASK_ID}
    )

    provider.submit(make_request(seed=None, duration=10, ratio="720:1280"), idempotency_key="k")

    (sent, _response), *_ = httpserver.log
    assert json.loads(sent.get_data()) == {
        "model": "gen4.5",
        "promptText": "A lighthouse floating above a violet sea",
        "ratio": "720:1280",
        "duration": 10,
    }


def test_submit_uses_configured_model_when_the_request_names_none(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v1/text_to_video", method="POST").respond_with_json(
        {"id": TASK_ID}
    )
    p = RunwayProvider(api_secret=SECRET, base_url=httpserver.url_for("/"), model="veo3.1_fast")
    try:
        p.submit(make_request(seed=0, duration=6), idempotency_key="k")
    finally:
        p.close()
    (sent, _response), *_ = httpserver.log
    body = json.loads(sent.get_data())
    assert body["model"] == "veo3.1_fast"
    assert body["seed"] == 0 and body["duration"] == 6 and body["audio"] is True


def test_submit_sends_a_veo_job_exactly_as_the_api_wants(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    # Given a veo3.1 request: portrait 1080p, 8 s, silent, seeded, in the noir style.
    noir = style_by_id("noir").phrase
    httpserver.expect_oneshot_request(
        "/v1/text_to_video",
        method="POST",
        json={
            "model": "veo3.1",
            "promptText": f"A lighthouse floating above a violet sea {noir}",
            "ratio": "1080:1920",
            "duration": 8,
            "audio": False,
            "seed": 7,
        },
    ).respond_with_json({"id": TASK_ID})

    request = make_request(
        model="veo3.1", ratio="1080:1920", duration=8, audio=False, seed=7, style="noir"
    )
    assert provider.submit(request, idempotency_key="k").task_id == TASK_ID

    httpserver.check_assertions()


def test_gen45_bodies_never_carry_audio(httpserver: HTTPServer, provider: RunwayProvider) -> None:
    httpserver.expect_oneshot_request("/v1/text_to_video").respond_with_json({"id": TASK_ID})

    provider.submit(make_request(model="gen4.5", audio=True), idempotency_key="k")

    (sent, _response), *_ = httpserver.log
    assert "audio" not in json.loads(sent.get_data())


@pytest.mark.parametrize(
    "overrides",
    [
        {"model": "veo3.1", "duration": 5},  # veo: 4, 6 or 8 only
        {"model": "veo3.1_fast", "duration": 10},
        {"model": "veo3.1", "duration": 4, "ratio": "1104:832"},
        {"model": "gen4.5", "ratio": "1080:1920"},  # a veo ratio
        {"model": "gen4.5", "ratio": "960:960"},
        {"model": "gen4.6"},  # not in the catalog
    ],
)
def test_combinations_the_model_refuses_never_reach_runway(
    httpserver: HTTPServer, provider: RunwayProvider, overrides: dict[str, object]
) -> None:
    with pytest.raises(ProviderError) as info:
        provider.submit(make_request(**overrides), idempotency_key="k")

    assert info.value.code == errors.INVALID_INPUT and not info.value.retryable
    assert httpserver.log == []


def test_submit_without_task_id_is_provider_failed(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    httpserver.expect_oneshot_request("/v1/text_to_video").respond_with_json({})

    with pytest.raises(ProviderError) as info:
        provider.submit(make_request(), idempotency_key="k")

    assert info.value.code == errors.PROVIDER_FAILED
    assert not info.value.retryable


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"duration": 1}, "duration below 2"),
        ({"duration": 11}, "duration above 10"),
        ({"duration": True}, "bool is not a duration"),
        ({"ratio": "16:9x"}, "ratio with junk"),
        ({"ratio": "1280x720"}, "ratio with x"),
        ({"ratio": "0:720"}, "zero width"),
        ({"ratio": ""}, "empty ratio"),
        ({"ratio": "١٢٨٠:٧٢٠"}, "non-ASCII digits"),
        ({"prompt": "   "}, "blank prompt"),
        ({"prompt": "a" * 1001}, "1001 ASCII characters"),
        # 500 emoji are 500 code points but 1000 UTF-16 units; one more ASCII char tips it.
        ({"prompt": "🌙" * 500 + "a"}, "1001 UTF-16 units from emoji"),
        ({"prompt": "moon \ud800 lone surrogate"}, "unencodable prompt"),
        ({"seed": -1}, "negative seed"),
        ({"seed": 4_294_967_296}, "seed above 2**32-1"),
    ],
)
def test_invalid_requests_are_refused_without_any_http_call(
    httpserver: HTTPServer, provider: RunwayProvider, overrides: dict[str, object], why: str
) -> None:
    with pytest.raises(ProviderError) as info:
        provider.submit(make_request(**overrides), idempotency_key="k")

    assert info.value.code == errors.INVALID_INPUT, why
    assert not info.value.retryable
    assert httpserver.log == [], why


def test_prompt_of_exactly_1000_utf16_units_is_accepted(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    httpserver.expect_oneshot_request("/v1/text_to_video").respond_with_json({"id": TASK_ID})
    prompt = "🌙" * 499 + "ab"  # 998 + 2 units

    provider.submit(make_request(prompt=prompt), idempotency_key="k")

    (sent, _response), *_ = httpserver.log
    assert json.loads(sent.get_data())["promptText"] == prompt


# -- status -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["PENDING", "THROTTLED"])
def test_status_waiting_states_are_pending(
    httpserver: HTTPServer, provider: RunwayProvider, raw: str
) -> None:
    httpserver.expect_oneshot_request(
        TASK_PATH, method="GET", headers=AUTH_HEADERS
    ).respond_with_json(task(raw))

    status = provider.status(TASK_ID)

    assert status.state is TaskState.PENDING
    assert status.error_code is None
    httpserver.check_assertions()


def test_status_running_reports_progress(httpserver: HTTPServer, provider: RunwayProvider) -> None:
    httpserver.expect_oneshot_request(TASK_PATH, method="GET").respond_with_json(
        task("RUNNING", progress=0.42)
    )

    status = provider.status(TASK_ID)

    assert status.state is TaskState.RUNNING
    assert status.progress == pytest.approx(0.42)


def test_status_succeeded_returns_first_output(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    url = "https://dnznrvs05pmza.cloudfront.net/out.mp4?_jwt=abc"
    httpserver.expect_oneshot_request(TASK_PATH, method="GET").respond_with_json(
        task("SUCCEEDED", output=[url])
    )

    status = provider.status(TASK_ID)

    assert status.state is TaskState.SUCCEEDED
    assert status.output_url == url
    assert status.output_file is None
    assert status.progress == 1.0


@pytest.mark.parametrize("extra", [{}, {"output": []}, {"output": [None]}])
def test_status_succeeded_without_output_is_provider_failed(
    httpserver: HTTPServer, provider: RunwayProvider, extra: dict[str, object]
) -> None:
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_json(task("SUCCEEDED", **extra))

    with pytest.raises(ProviderError) as info:
        provider.status(TASK_ID)

    assert info.value.code == errors.PROVIDER_FAILED
    assert not info.value.retryable


@pytest.mark.parametrize(
    ("failure_code", "ours"),
    [
        ("SAFETY.INPUT.TEXT", errors.SAFETY_REJECTED),
        ("INPUT_PREPROCESSING.SAFETY.TEXT", errors.SAFETY_REJECTED),
        ("INPUT_PREPROCESSING.INTERNAL", errors.INVALID_INPUT),
        ("INTERNAL.BAD_OUTPUT.CODE01", errors.PROVIDER_FAILED),
        ("ASSET.INVALID", errors.PROVIDER_FAILED),
    ],
)
def test_status_failed_maps_failure_code(
    httpserver: HTTPServer, provider: RunwayProvider, failure_code: str, ours: str
) -> None:
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_json(
        task(
            "FAILED", failure="Something the user should not see verbatim", failureCode=failure_code
        )
    )

    status = provider.status(TASK_ID)

    assert status.state is TaskState.FAILED
    assert status.error_code == ours
    assert status.error_message == f"{errors.message_for(ours)} ({failure_code})"


def test_status_failed_without_code_is_provider_failed(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_json(task("FAILED", failure="?"))

    status = provider.status(TASK_ID)

    assert status.state is TaskState.FAILED
    assert status.error_code == errors.PROVIDER_FAILED
    assert status.error_message == errors.message_for(errors.PROVIDER_FAILED)


def test_status_cancelled(httpserver: HTTPServer, provider: RunwayProvider) -> None:
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_json(task("CANCELLED"))

    assert provider.status(TASK_ID).state is TaskState.CANCELLED


def test_status_unknown_or_unreadable_is_provider_failed(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    httpserver.expect_ordered_request(TASK_PATH).respond_with_json(task("EXPLODED"))
    httpserver.expect_ordered_request(TASK_PATH).respond_with_data("<html>hi</html>")

    for _ in range(2):
        with pytest.raises(ProviderError) as info:
            provider.status(TASK_ID)
        assert info.value.code == errors.PROVIDER_FAILED
        assert not info.value.retryable


def test_status_404_means_the_task_is_gone(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_json(
        {"error": "Task not found"}, status=404
    )

    with pytest.raises(ProviderError) as info:
        provider.status(TASK_ID)

    assert info.value.code == errors.PROVIDER_FAILED
    assert info.value.status_code == 404
    assert not info.value.retryable


def test_task_id_is_quoted_into_a_single_path_segment(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    # Werkzeug decodes %2F in request.path, so match that and check the raw URI.
    httpserver.expect_oneshot_request("/v1/tasks/../text_to_video").respond_with_json(
        task("PENDING")
    )

    provider.status("../text_to_video")

    httpserver.check_assertions()
    (sent, _response), *_ = httpserver.log
    assert sent.environ["RAW_URI"] == "/v1/tasks/..%2Ftext_to_video"
    with pytest.raises(ValueError, match="task_id"):
        provider.status("")


# -- HTTP errors ------------------------------------------------------------------------


def test_429_is_retryable_rate_limited_with_retry_after(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    httpserver.expect_oneshot_request("/v1/text_to_video").respond_with_json(
        {"error": "You have exceeded the daily task limit."},
        status=429,
        headers={"Retry-After": "37"},
    )

    with pytest.raises(ProviderError) as info:
        provider.submit(make_request(), idempotency_key="k")

    assert info.value.code == errors.RATE_LIMITED
    assert info.value.retryable
    assert info.value.retry_after == 37.0
    assert info.value.status_code == 429


def test_429_without_retry_after_has_no_hint(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_data("", status=429)

    with pytest.raises(ProviderError) as info:
        provider.status(TASK_ID)

    assert info.value.code == errors.RATE_LIMITED
    assert info.value.retryable
    assert info.value.retry_after is None


@pytest.mark.parametrize("status_code", [500, 502, 503, 504])
def test_server_errors_are_retryable_unavailable(
    httpserver: HTTPServer, provider: RunwayProvider, status_code: int
) -> None:
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_data(
        "<html>bad gateway</html>", status=status_code, headers={"Retry-After": "5"}
    )

    with pytest.raises(ProviderError) as info:
        provider.status(TASK_ID)

    assert info.value.code == errors.PROVIDER_UNAVAILABLE
    assert info.value.retryable
    assert info.value.retry_after == 5.0
    assert info.value.status_code == status_code
    assert "bad gateway" not in str(info.value)


def test_400_is_invalid_input_with_cleaned_server_message(
    httpserver: HTTPServer, provider: RunwayProvider
) -> None:
    server_message = "Validation of body failed\n\x1b[31mforged log line\u202e " + "x" * 500
    httpserver.expect_oneshot_request("/v1/text_to_video").respond_with_json(
        {"error": server_message, "issues": [{"message": "Too long", "path": ["promptText"]}]},
        status=400,
    )

    with pytest.raises(ProviderError) as info:
        provider.submit(make_request(), idempotency_key="k")

    error = info.value
    assert error.code == errors.INVALID_INPUT
    assert not error.retryable
    assert error.retry_after is None
    assert error.status_code == 400
    assert error.message.startswith(errors.message_for(errors.INVALID_INPUT) + " (")
    assert "Validation of body failed" in error.message
    assert "\n" not in error.message
    assert "\x1b" not in error.message
    assert "\u202e" not in error.message
    assert len(error.message) < 300


def test_400_never_echoes_the_secret(httpserver: HTTPServer, provider: RunwayProvider) -> None:
    httpserver.expect_oneshot_request("/v1/text_to_video").respond_with_json(
        {"error": f"bad header Bearer {SECRET}"}, status=400
    )

    with pytest.raises(ProviderError) as info:
        provider.submit(make_request(), idempotency_key="k")

    assert SECRET not in str(info.value)
    assert SECRET not in info.value.message


@pytest.mark.parametrize("status_code", [401, 403])
def test_auth_errors_are_not_retryable(
    httpserver: HTTPServer, provider: RunwayProvider, status_code: int
) -> None:
    httpserver.expect_oneshot_request("/v1/text_to_video").respond_with_json(
        {"error": "Invalid API key"}, status=status_code
    )

    with pytest.raises(ProviderError) as info:
        provider.submit(make_request(), idempotency_key="k")

    assert info.value.code == errors.AUTH_FAILED
    assert not info.value.retryable
    assert info.value.status_code == status_code
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)


@pytest.mark.parametrize("status_code", [409, 418, 501])
def test_other_statuses_are_provider_failed(
    httpserver: HTTPServer, provider: RunwayProvider, status_code: int
) -> None:
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_data("", status=status_code)

    with pytest.raises(ProviderError) as info:
        provider.status(TASK_ID)

    assert info.value.code == errors.PROVIDER_FAILED
    assert not info.value.retryable


def test_connection_refused_is_retryable_unavailable() -> None:
    # A bound but never-listening socket refuses connections, and holding it
    # keeps the port from being reused by anything else during the test.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        p = RunwayProvider(api_secret=SECRET, base_url=f"http://127.0.0.1:{port}")
        try:
            with pytest.raises(ProviderError) as info:
                p.status(TASK_ID)
        finally:
            p.close()

    assert info.value.code == errors.PROVIDER_UNAVAILABLE
    assert info.value.retryable
    assert info.value.status_code is None
    assert SECRET not in str(info.value)


def test_read_timeout_is_retryable_unavailable(httpserver: HTTPServer) -> None:
    release = threading.Event()

    def slow(_request: Request) -> Response:
        # Blocks until the test is done (or 2 s), far past the client's 0.2 s timeout.
        release.wait(timeout=2)
        return Response(json.dumps({"id": TASK_ID}), content_type="application/json")

    httpserver.expect_oneshot_request("/v1/text_to_video").respond_with_handler(slow)
    p = RunwayProvider(api_secret=SECRET, base_url=httpserver.url_for(""), read_timeout=0.2)
    try:
        with pytest.raises(ProviderError) as info:
            p.submit(make_request(), idempotency_key="k")
    finally:
        release.set()

    assert info.value.code == errors.PROVIDER_UNAVAILABLE
    assert info.value.retryable
    assert SECRET not in str(info.value)

    # The fake server is single-threaded: this call is only answered once the slow
    # handler has returned, so its late log entry cannot leak into the next test.
    # It also shows the session is still usable after a timeout.
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_json(task("PENDING"))
    p.timeout = (5.0, 5.0)
    try:
        assert p.status(TASK_ID).state is TaskState.PENDING
    finally:
        p.close()
    assert [sent.method for sent, _response in httpserver.log] == ["POST", "GET"]


# -- cancel -----------------------------------------------------------------------------


def test_cancel_sends_delete(httpserver: HTTPServer, provider: RunwayProvider) -> None:
    httpserver.expect_oneshot_request(
        TASK_PATH, method="DELETE", headers=AUTH_HEADERS
    ).respond_with_data("", status=204)

    assert provider.cancel(TASK_ID) is None

    httpserver.check_assertions()
    (sent, _response), *_ = httpserver.log
    assert sent.method == "DELETE"


def test_cancel_tolerates_404(httpserver: HTTPServer, provider: RunwayProvider) -> None:
    httpserver.expect_oneshot_request(TASK_PATH, method="DELETE").respond_with_json(
        {"error": "Task not found"}, status=404
    )

    provider.cancel(TASK_ID)

    httpserver.check_assertions()


def test_cancel_raises_on_other_errors(httpserver: HTTPServer, provider: RunwayProvider) -> None:
    httpserver.expect_oneshot_request(TASK_PATH, method="DELETE").respond_with_data("", status=503)

    with pytest.raises(ProviderError) as info:
        provider.cancel(TASK_ID)

    assert info.value.code == errors.PROVIDER_UNAVAILABLE
    assert info.value.retryable


# -- secret hygiene and construction ----------------------------------------------------


def test_repr_hides_the_secret(provider: RunwayProvider) -> None:
    assert SECRET not in repr(provider)
    assert SECRET not in str(provider)
    assert "***" in repr(provider)


def test_shared_session_does_not_carry_the_secret(httpserver: HTTPServer) -> None:
    session = requests.Session()
    httpserver.expect_oneshot_request(TASK_PATH).respond_with_json(task("PENDING"))
    p = RunwayProvider(api_secret=SECRET, base_url=httpserver.url_for(""), session=session)

    p.status(TASK_ID)
    p.close()  # not ours to close, must stay usable

    assert "Authorization" not in session.headers
    session.close()


@pytest.mark.parametrize(
    "bad_secret", ["", "key with space", "key\nInjected: header", "clé-non-ascii"]
)
def test_bad_secrets_are_refused_without_echoing_them(bad_secret: str) -> None:
    with pytest.raises(ValueError, match="api_secret") as info:
        RunwayProvider(api_secret=bad_secret)

    if bad_secret:
        assert bad_secret not in str(info.value)


def test_name_is_runway() -> None:
    assert RunwayProvider.name == "runway"
    assert RunwayProvider.name is VideoSource.RUNWAY
    assert issubclass(RunwayProvider, VideoProvider)


# -- policy -----------------------------------------------------------------------------


def refused_submit(**options: object) -> ProviderError:
    """The error a real submit raises when nothing listens at RunwayML's address."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        p = RunwayProvider(api_secret=SECRET, base_url=f"http://127.0.0.1:{port}", **options)
        try:
            with pytest.raises(ProviderError) as info:
                p.submit(make_request(), idempotency_key="k")
        finally:
            p.close()
    return info.value


def test_tasks_are_remote(provider: RunwayProvider) -> None:
    assert RunwayProvider.remote is True
    assert provider.remote is True


@pytest.mark.parametrize(
    ("options", "delay"),
    [
        ({}, 5.0),
        ({"poll_seconds": 12}, 12.0),
        ({"poll_seconds": 1}, 5.0),
        ({"poll_seconds": 0}, 5.0),
    ],
)
def test_poll_delay_is_never_under_five_seconds(options: dict, delay: float) -> None:
    p = RunwayProvider(api_secret=SECRET, **options)
    try:
        assert p.poll_delay() == delay
    finally:
        p.close()


def test_unreachable_runway_hands_over_to_the_demo_when_allowed() -> None:
    error = refused_submit(fallback_to_demo=True)
    assert (error.code, error.status_code) == (errors.PROVIDER_UNAVAILABLE, None)
    p = RunwayProvider(api_secret=SECRET, fallback_to_demo=True)
    assert p.fallback_for(error) is VideoSource.DEMO
    timed_out = ProviderError(errors.PROVIDER_UNAVAILABLE, "timed out", retryable=True)
    assert p.fallback_for(timed_out) is VideoSource.DEMO
    p.close()


def test_unreachable_runway_keeps_the_job_by_default() -> None:
    error = refused_submit()
    p = RunwayProvider(api_secret=SECRET)
    assert p.fallback_for(error) is None
    p.close()


@pytest.mark.parametrize("status", [503, 502, 429, 401, 400, 418])
def test_an_http_answer_never_hands_over(status: int, httpserver: HTTPServer) -> None:
    # RunwayML is there, even if unwell: the job waits for it instead of changing provider.
    httpserver.expect_oneshot_request("/v1/text_to_video").respond_with_data("", status=status)
    p = RunwayProvider(api_secret=SECRET, base_url=httpserver.url_for(""), fallback_to_demo=True)
    try:
        with pytest.raises(ProviderError) as info:
            p.submit(make_request(), idempotency_key="k")
        assert info.value.status_code == status
        assert p.fallback_for(info.value) is None
    finally:
        p.close()


def test_cleanup_has_nothing_to_free(httpserver: HTTPServer, provider: RunwayProvider) -> None:
    # RunwayML's output expires on its own; deleting the task is cancel's business.
    provider.cleanup(TASK_ID)
    assert httpserver.log == []


# -- choosing and building providers from settings ---------------------------------------


def test_get_provider_builds_runway_from_settings(settings) -> None:
    settings.RUNWAYML_API_SECRET = SECRET
    settings.RUNWAYML_BASE_URL = "http://127.0.0.1:9"
    settings.RUNWAYML_MODEL = "gen4.6"
    settings.VIDEO_POLL_SECONDS = 12
    settings.VIDEO_FALLBACK_TO_DEMO = True
    unreachable = ProviderError(errors.PROVIDER_UNAVAILABLE, "connection failed", retryable=True)

    built = get_provider("runway")
    assert isinstance(built, RunwayProvider)
    assert (built.base_url, built.model) == ("http://127.0.0.1:9", "gen4.6")
    assert built.poll_delay() == 12
    assert built.fallback_for(unreachable) is VideoSource.DEMO
    assert get_provider(VideoSource.RUNWAY) is built  # built once per settings

    settings.VIDEO_POLL_SECONDS = 1
    settings.VIDEO_FALLBACK_TO_DEMO = False
    rebuilt = get_provider("runway")
    assert rebuilt is not built
    assert rebuilt.poll_delay() == 5
    assert rebuilt.fallback_for(unreachable) is None


@pytest.mark.parametrize(
    ("choice", "secret", "expected"),
    [
        ("auto", SECRET, VideoSource.RUNWAY),
        ("auto", "", VideoSource.DEMO),
        ("runway", "", VideoSource.RUNWAY),
        ("demo", SECRET, VideoSource.DEMO),
    ],
)
def test_default_provider_name(settings, choice: str, secret: str, expected: VideoSource) -> None:
    settings.VIDEO_PROVIDER = choice
    settings.RUNWAYML_API_SECRET = secret
    assert default_provider_name() is expected


@pytest.mark.parametrize("choice", ["upload", "url", "runwayml", ""])
def test_default_provider_name_refuses_other_choices(settings, choice: str) -> None:
    settings.VIDEO_PROVIDER = choice
    with pytest.raises(ValueError, match="VIDEO_PROVIDER"):
        default_provider_name()


# -- pure helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure_code", "ours"),
    [
        ("SAFETY.OUTPUT.VIDEO", errors.SAFETY_REJECTED),
        ("INPUT_PREPROCESSING.SAFETY.IMAGE", errors.SAFETY_REJECTED),
        ("INPUT_PREPROCESSING.CORRUPTED", errors.INVALID_INPUT),
        ("INTERNAL", errors.PROVIDER_FAILED),
        ("SAFETYNET.SOMETHING", errors.PROVIDER_FAILED),
        (None, errors.PROVIDER_FAILED),
    ],
)
def test_error_code_for_failure(failure_code: str | None, ours: str) -> None:
    assert error_code_for_failure(failure_code) == ours


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("12", 12.0),
        ("1.5", 1.5),
        ("-3", None),
        ("nan", None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds
