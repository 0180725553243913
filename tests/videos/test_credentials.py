"""Content Credentials (``videos.credentials``): every video a provider generates carries a
signed C2PA manifest saying it is AI, renditions carry it on, uploads keep their own.

Manifests are read back with the C2PA library's own ``Reader``; signatures are checked
against the test run's chain (``c2pa_chain``: a root CA and an end-entity certificate made
with ``cryptography``). With that root as a trust anchor the reader reports ``Trusted``
with no failure; without it, the only failure it reports is ``signingCredential.untrusted``
(the state is then ``Valid``), which we show as ``untrusted``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from io import StringIO
from pathlib import Path

import av
import c2pa
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.support.fakes import TASK, expect_statuses, runway_task
from tests.support.mp4s import make_mp4
from videos import errors
from videos.credentials import (
    ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
    Credentials,
    Generation,
    Origin,
    Signature,
    credentials_carry_over,
    credentials_read,
    credentials_read_isolated,
    credentials_sign,
)
from videos.credentials.certificates import CHAIN_NAME, KEY_NAME, ROOT_NAME
from videos.jobs.machine import video_job_advance
from videos.models import JobKind, JobStatus, VideoAsset, VideoJob
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db


def _store(path: Path, anchors: str = "") -> dict:
    """The manifest store of ``path`` as the C2PA reader reports it."""
    config = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if anchors:
        config["trust"] = {"user_anchors": anchors}
    with (
        path.open("rb") as fh,
        c2pa.Reader("video/mp4", fh, None, c2pa.Context.from_dict(config)) as reader,
    ):
        return json.loads(reader.json())


def _active(store: dict) -> dict:
    return store["manifests"][store["active_manifest"]]


def _actions(manifest: dict) -> list[dict]:
    [actions] = [a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions")]
    return actions["data"]["actions"]


def _failures(store: dict) -> set[str]:
    return {f["code"] for f in store["validation_results"]["activeManifest"]["failure"]}


def _plays_and_seeks(path: Path, seconds: float) -> None:
    """Every frame decodes from the start, and a seek to the middle lands there."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        assert frames >= int(seconds * 20)
        middle = seconds / 2
        # A seek lands on the keyframe before; decoding from there reaches the middle.
        container.seek(int(middle / stream.time_base), stream=stream)
        reached = next(
            f for f in container.decode(stream) if f.pts * stream.time_base >= middle - 0.05
        )
        assert abs(reached.pts * stream.time_base - middle) < 0.1
        assert reached.to_ndarray().any()


def _generate(user, **fields) -> VideoJob:
    job = VideoJob.objects.create(
        kind=JobKind.GENERATE,
        user=user,
        provider=fields.pop("provider", VideoSource.DEMO),
        prompt=fields.pop("prompt", "A lighthouse in fog"),
        duration=2,
        **fields,
    )
    for _ in range(5):  # the demo provider finishes in one step; RunwayML polls
        video_job_advance(job_id=str(job.pk))
        job.refresh_from_db()
        if job.is_finished:
            break
    return job


def test_a_demo_video_carries_a_signed_manifest_and_still_plays_and_seeks(user, c2pa_chain):
    # Given the demo renderer
    # When it generates a video
    job = _generate(user)

    # Then the stored file carries a manifest with one c2pa.created action saying
    # "algorithmic media", naming the renderer and its model
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    path = Path(job.asset.file.path)
    store = _store(path, anchors=(c2pa_chain / ROOT_NAME).read_text())
    manifest = _active(store)
    [created] = _actions(manifest)
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == ALGORITHMIC_MEDIA
    assert created["softwareAgent"]["name"] == "DreamJourney demo renderer"
    assert created["parameters"]["model"] == "demo-renderer-1"
    # signed by the test chain, which the reader trusts when told to: no failure at all
    assert store["validation_state"] == "Trusted" and _failures(store) == set()
    assert manifest["signature_info"]["issuer"] == "DreamJourney development"
    # and the asset records the same facts
    assert job.asset.credentials | {"signed_at": ""} == {
        "origin": "generated",
        "ai_generated": True,
        "generator": "DreamJourney demo renderer",
        "model": "demo-renderer-1",
        "digital_source_type": ALGORITHMIC_MEDIA,
        "signed_at": "",
        "issuer": "DreamJourney development",
        "signature": "valid",
    }
    # the stored bytes are the signed ones (what the sha256 names)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == job.asset.sha256
    assert job.asset.unsigned_sha256 and job.asset.unsigned_sha256 != job.asset.sha256
    _plays_and_seeks(path, seconds=2)

    # Without our root as a trust anchor the only failure is the untrusted certificate.
    untrusted = _store(path)
    assert untrusted["validation_state"] == "Valid"
    assert _failures(untrusted) == {"signingCredential.untrusted"}


def test_a_runway_video_is_trained_algorithmic_media_naming_the_model(user, runway):
    # Given RunwayML (faked on loopback) that generates with gen4.5
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_json({"id": TASK})
    expect_statuses(runway, runway_task("SUCCEEDED", output=[runway.url_for("/output/video.mp4")]))

    # When a job collects its output
    job = _generate(user, provider=VideoSource.RUNWAY, model="gen4.5")

    # Then our copy says who made it, with which model, and that it is AI
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    [created] = _actions(_active(_store(Path(job.asset.file.path))))
    assert created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert created["softwareAgent"]["name"] == "RunwayML gen4.5"
    assert created["parameters"]["model"] == "gen4.5"
    assert job.asset.credentials["signature"] == "valid"
    _plays_and_seeks(Path(job.asset.file.path), seconds=2)


def test_a_provider_output_signed_by_the_provider_keeps_that_manifest(tmp_path, c2pa_chain):
    # Given an output its provider already signed (RunwayML signs its own)
    output = tmp_path / "output.mp4"
    runway = Generation(source=VideoSource.RUNWAY, model="gen4.5")
    credentials_sign(
        source=make_mp4(tmp_path / "made.mp4", seconds=1), target=output, generation=runway
    )

    # When we sign it
    ours = tmp_path / "ours.mp4"
    facts = credentials_sign(source=output, target=ours, generation=runway)

    # Then ours says c2pa.created and keeps theirs as an ingredient, placed in ours
    store = _store(ours, anchors=(c2pa_chain / ROOT_NAME).read_text())
    manifest = _active(store)
    assert [a["action"] for a in _actions(manifest)] == ["c2pa.created", "c2pa.placed"]
    [theirs] = manifest["ingredients"]
    assert theirs["relationship"] == "componentOf" and len(store["manifests"]) == 2
    assert facts.signature == Signature.VALID and facts.generator == "RunwayML gen4.5"


def test_the_same_demo_render_collected_twice_is_stored_once(user):
    # Given two jobs for the same prompt (the demo renderer draws the same frames)
    first = _generate(user)
    second = _generate(user)

    # Then both point at one asset: deduplicated on the unsigned output, signed once
    assert first.asset_id == second.asset_id
    assert VideoAsset.objects.count() == 1


def test_a_generated_video_that_cannot_be_signed_is_never_stored(user, settings, tmp_path):
    # Given a signing certificate that cannot be read
    settings.C2PA_SIGNING_CERT = str(tmp_path / "nowhere.pem")

    job = _generate(user)

    # Then the job fails rather than store an unmarked AI video
    assert job.status == JobStatus.FAILED and job.error_code == errors.INTERNAL
    assert not VideoAsset.objects.exists()


def test_without_configured_certificates_a_development_chain_is_made_once(settings, tmp_path):
    # Given no certificate configured
    settings.C2PA_SIGNING_CERT = settings.C2PA_SIGNING_KEY = settings.C2PA_TRUST_ANCHORS = ""
    settings.C2PA_DEV_DIR = tmp_path / "var" / "c2pa"
    source = make_mp4(tmp_path / "made.mp4", seconds=1)
    demo = Generation(source=VideoSource.DEMO)

    # When two videos are signed
    first = credentials_sign(source=source, target=tmp_path / "one.mp4", generation=demo)
    chain = (settings.C2PA_DEV_DIR / CHAIN_NAME).read_bytes()
    second = credentials_sign(source=source, target=tmp_path / "two.mp4", generation=demo)

    # Then one development chain was made, and a reader that knows no anchor says untrusted
    assert (settings.C2PA_DEV_DIR / CHAIN_NAME).read_bytes() == chain
    assert (settings.C2PA_DEV_DIR / KEY_NAME).stat().st_mode & 0o077 == 0
    assert first.signature == second.signature == Signature.UNTRUSTED
    # signing twice gives different bytes (a new manifest id each time)
    assert (tmp_path / "one.mp4").read_bytes() != (tmp_path / "two.mp4").read_bytes()


def test_an_altered_signed_video_reads_invalid(tmp_path):
    signed = tmp_path / "signed.mp4"
    credentials_sign(
        source=make_mp4(tmp_path / "made.mp4", seconds=1),
        target=signed,
        generation=Generation(source=VideoSource.DEMO),
    )
    data = bytearray(signed.read_bytes())
    data[-100] ^= 0xFF  # a byte of the media, after the manifest
    signed.write_bytes(bytes(data))

    facts = credentials_read(signed, origin=Origin.GENERATED)

    assert facts.signature == Signature.INVALID and facts.ai_generated


def test_a_rendition_carries_the_credentials_with_its_parent(tmp_path, c2pa_chain):
    # Given a signed original and a rendition made from it
    original = tmp_path / "original.mp4"
    credentials_sign(
        source=make_mp4(tmp_path / "made.mp4", seconds=2, width=128, height=96),
        target=original,
        generation=Generation(source=VideoSource.RUNWAY, model="veo3.1"),
    )
    rendition = make_mp4(tmp_path / "web.mp4", seconds=2, width=64, height=48)
    preview = make_mp4(tmp_path / "preview.mp4", seconds=1, width=64, height=48, shade=5)

    # When the rendition pipeline carries the credentials over to both at once (the
    # original's manifest vetted once, in a child: no record is given here)
    credentials_carry_over(source=original, targets=[rendition, preview])

    # Then the rendition names the original as its parent and says it was transcoded,
    # keeping the original's digital source type
    store = _store(rendition, anchors=(c2pa_chain / ROOT_NAME).read_text())
    manifest = _active(store)
    [parent] = manifest["ingredients"]
    assert parent["relationship"] == "parentOf" and parent["title"] == "original.mp4"
    actions = _actions(manifest)
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.transcoded"]
    assert actions[1]["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert store["validation_state"] == "Trusted" and _failures(store) == set()
    facts = credentials_read(rendition, origin=Origin.GENERATED)
    assert (facts.model, facts.signature) == ("veo3.1", Signature.VALID)
    _plays_and_seeks(rendition, seconds=2)
    previewed = credentials_read(preview, origin=Origin.GENERATED)
    assert (previewed.model, previewed.signature, previewed.ai_generated) == (
        "veo3.1",
        Signature.VALID,
        True,
    )


def test_a_rendition_takes_the_facts_recorded_when_the_original_was_stored(tmp_path, c2pa_chain):
    # Given a signed original whose record (as stored on its asset) names another model,
    # so the rendition shows which of the two it was told
    original = tmp_path / "original.mp4"
    facts = credentials_sign(
        source=make_mp4(tmp_path / "made.mp4", seconds=1, width=64, height=48),
        target=original,
        generation=Generation(source=VideoSource.RUNWAY, model="veo3.1"),
    )
    recorded = Credentials.from_json(facts.as_json() | {"model": "gen4_turbo"})
    taken, read_again = (make_mp4(tmp_path / f"{n}.mp4", seconds=1, shade=n) for n in (1, 2))

    # When renditions are signed with a valid record, and with an invalid one (which may
    # only say the reader gave up on the file when it was stored)
    credentials_carry_over(source=original, targets=[taken], recorded=recorded)
    credentials_carry_over(
        source=original,
        targets=[read_again],
        recorded=replace(recorded, signature=Signature.INVALID),
    )

    # Then the valid record is used as it is (no second reading of the same bytes), and
    # the invalid one is not trusted: the manifest is read again, in a child
    assert credentials_read(taken, origin=Origin.GENERATED).model == "gen4_turbo"
    assert credentials_read(read_again, origin=Origin.GENERATED).model == "veo3.1"


def test_stored_credentials_round_trip_and_a_broken_record_is_refused():
    facts = Credentials(origin=Origin.GENERATED, ai_generated=True, model="veo3.1")

    assert Credentials.from_json(facts.as_json()) == facts
    for broken in ({}, [], "valid", facts.as_json() | {"signature": "forged"}):
        with pytest.raises(ValueError):
            Credentials.from_json(broken)


def test_carry_over_from_a_source_without_a_manifest_leaves_the_target_alone(tmp_path):
    target = make_mp4(tmp_path / "web.mp4", seconds=1)
    before = target.read_bytes()
    plain = make_mp4(tmp_path / "plain.mp4", seconds=1, shade=9)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"nonsense" * 100)

    credentials_carry_over(source=plain, targets=[target])
    credentials_carry_over(source=garbage, targets=[target])
    credentials_carry_over(source=tmp_path / "missing.mp4", targets=[target])

    assert target.read_bytes() == before
    assert credentials_read(target, origin=Origin.UPLOADED).signature == Signature.MISSING


def test_an_upload_keeps_its_own_manifest_untouched(user, stored_job_for, tmp_path):
    # Given a video another AI tool signed
    theirs = tmp_path / "theirs.mp4"
    credentials_sign(
        source=make_mp4(tmp_path / "made.mp4", seconds=2, shade=3),
        target=theirs,
        generation=Generation(source=VideoSource.DEMO),
    )

    # When it is ingested from a URL
    job = stored_job_for(theirs.read_bytes())

    # Then the very same bytes are stored, labelled uploaded, and what its manifest says
    assert job.asset.sha256 == hashlib.sha256(theirs.read_bytes()).hexdigest()
    assert job.asset.unsigned_sha256 == ""
    facts = job.asset.credentials
    assert (facts["origin"], facts["ai_generated"], facts["signature"]) == (
        "uploaded",
        True,
        "valid",
    )
    assert facts["digital_source_type"] == ALGORITHMIC_MEDIA


def test_an_upload_without_a_manifest_is_uploaded_and_not_ai(stored_job_for, video_bytes):
    job = stored_job_for(video_bytes)

    facts = job.asset.credentials
    assert (facts["origin"], facts["ai_generated"], facts["signature"]) == (
        "uploaded",
        False,
        "missing",
    )
    assert job.asset.sha256 == hashlib.sha256(video_bytes).hexdigest()


def test_an_upload_manifest_is_read_in_a_limited_child(tmp_path, settings):
    # Given an upload that carries a manifest, and one that carries none
    signed = tmp_path / "signed.mp4"
    credentials_sign(
        source=make_mp4(tmp_path / "made.mp4", seconds=1),
        target=signed,
        generation=Generation(source=VideoSource.DEMO),
    )
    plain = make_mp4(tmp_path / "plain.mp4", seconds=1, shade=4)
    webm = tmp_path / "clip.webm"
    webm.write_bytes(bytes.fromhex("1a45dfa3") + b"\x00" * 60)

    # When the reader is allowed less memory than the C2PA library needs
    settings.VIDEO_PROBE_MEMORY_MB = 16

    # Then the manifest gives no answer rather than be parsed without limits, while files
    # without one are known to carry none from their box headers alone (no child at all)
    assert credentials_read_isolated(signed, origin=Origin.UPLOADED) is None
    for path in (plain, webm):
        facts = credentials_read_isolated(path, origin=Origin.UPLOADED)
        assert facts.signature == Signature.MISSING and not facts.ai_generated
    settings.VIDEO_PROBE_MEMORY_MB = 1024
    assert credentials_read_isolated(signed, origin=Origin.UPLOADED).signature == "valid"


@pytest.fixture
def stored_job_for(user, httpserver, settings, committed, run_jobs):
    """``stored_job_for(bytes)``: an ingest job of ``user`` that stored ``bytes`` from a URL."""
    from common.owners import Owner
    from videos.jobs.submission import video_ingest_submit

    settings.VIDEO_INGEST_ALLOW_HTTP = True
    settings.VIDEO_INGEST_ALLOWED_ADDRESSES = ["127.0.0.1"]

    def store(data: bytes) -> VideoJob:
        name = f"/{hashlib.sha256(data).hexdigest()[:8]}.mp4"
        httpserver.expect_request(name).respond_with_data(data, content_type="video/mp4")
        with committed():
            job = video_ingest_submit(
                owner=Owner(user=user), subject={}, duration=2, source_url=httpserver.url_for(name)
            )
        run_jobs()
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error_message
        return job

    return store


def test_verify_videos_reads_every_manifest_back(user, tmp_path):
    # Given a generated video we signed, and one from before videos were signed
    signed = _generate(user).asset
    legacy = _generate(user, prompt="An older dream").asset
    unsigned = make_mp4(tmp_path / "legacy.mp4", seconds=1, shade=5)
    shutil.copy(unsigned, legacy.file.path)
    sha = hashlib.sha256(unsigned.read_bytes()).hexdigest()
    VideoAsset.objects.filter(pk=legacy.pk).update(sha256=sha, unsigned_sha256="")

    # Then both are ok, the old one reported as carrying no credentials
    out = StringIO()
    call_command("verify_videos", "--no-repair", stdout=out, stderr=StringIO())
    assert "2 ok" in out.getvalue()
    assert "1 generated video(s) from before Content Credentials" in out.getvalue()
    legacy.refresh_from_db()
    assert legacy.credentials["signature"] == "missing" and legacy.credentials["ai_generated"]

    # When a video we signed loses its manifest (its sha256 recorded anew: no bytes error)
    stripped = make_mp4(tmp_path / "stripped.mp4", seconds=1, shade=6)
    shutil.copy(stripped, signed.file.path)
    VideoAsset.objects.filter(pk=signed.pk).update(
        sha256=hashlib.sha256(stripped.read_bytes()).hexdigest()
    )

    # Then verify_videos reports it and fails
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_videos", "--no-repair", stdout=StringIO(), stderr=err)
    assert f"missing content credentials: generated asset {signed.pk}" in err.getvalue()


def test_a_crafted_manifest_box_is_refused_not_trusted(tmp_path):
    # Given an MP4 with a C2PA box full of junk (a hostile upload)
    from videos.credentials.reading import C2PA_BOX_UUID

    crafted = make_mp4(tmp_path / "crafted.mp4", seconds=1)
    junk = b"\x00\x00\x00\x00" + b"c2pa" + bytes(range(256)) * 64
    box = C2PA_BOX_UUID + junk
    with crafted.open("ab") as fh:
        fh.write((8 + len(box)).to_bytes(4, "big") + b"uuid" + box)

    # When its manifest is read in the limited child
    facts = credentials_read_isolated(crafted, origin=Origin.UPLOADED)

    # Then it is invalid (or no answer), never an AI label or a valid signature
    assert facts is None or (facts.signature == Signature.INVALID and not facts.ai_generated)
