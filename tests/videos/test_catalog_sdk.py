"""Our model catalog against RunwayML's official Python SDK (``runwayml``, a dev dependency).

The SDK declares every text-to-video model's parameters as a TypedDict in
``runwayml.types.text_to_video_create_params``: ``model`` and ``ratio`` as Literals, the
duration as a Literal or as an ``int`` whose docstring gives the range, and optional
extras (``audio``, ``seed``) as keys. These tests read those declarations (nothing is
copied here) and fail as soon as ``videos.catalog`` says something else; upgrading the
SDK pin re-checks the catalog.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
import typing

import pytest
from runwayml.types import text_to_video_create_params as sdk
from typing_extensions import get_type_hints

from videos.catalog import MODELS, VideoModel
from videos.prompts import PROMPT_LIMIT


def _sdk_models() -> dict[str, type]:
    """Each SDK text-to-video TypedDict by the model id its ``model`` Literal names."""
    found = {}
    for params in typing.get_args(sdk.TextToVideoCreateParams):
        (model_id,) = typing.get_args(get_type_hints(params)["model"])
        found[model_id] = params
    return found


SDK_MODELS = _sdk_models()


def _field_docs(params: type) -> dict[str, str]:
    """The docstrings the SDK writes under each field (kept only in the source)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(params)))
    body = tree.body[0].body
    docs = {}
    for field, after in zip(body, body[1:], strict=False):
        named = isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)
        if named and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            docs[field.target.id] = " ".join(str(after.value.value).split())
    return docs


def _sdk_durations(params: type) -> tuple[int, ...]:
    declared = get_type_hints(params)["duration"]
    if typing.get_origin(declared) is typing.Literal:
        return tuple(sorted(typing.get_args(declared)))
    assert declared is int, f"{params.__name__}.duration is {declared}"
    match = re.search(r"from (\d+) to (\d+)", _field_docs(params)["duration"])
    assert match, f"{params.__name__}.duration gives no range"
    return tuple(range(int(match[1]), int(match[2]) + 1))


def _ids(model: VideoModel) -> str:
    return model.id


def test_the_sdk_declares_text_to_video_models() -> None:
    # A renamed module or union would make every check below vacuous.
    assert len(SDK_MODELS) >= 3


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_every_catalog_model_is_one_the_sdk_declares(model: VideoModel) -> None:
    assert model.id in SDK_MODELS, f"{model.id} is not a RunwayML text_to_video model"


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_ratios_agree_with_the_sdk(model: VideoModel) -> None:
    declared = typing.get_args(get_type_hints(SDK_MODELS[model.id])["ratio"])
    assert sorted(model.ratios) == sorted(declared)


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_durations_agree_with_the_sdk(model: VideoModel) -> None:
    assert tuple(sorted(model.durations)) == _sdk_durations(SDK_MODELS[model.id])


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_extras_agree_with_the_sdk(model: VideoModel) -> None:
    hints = get_type_hints(SDK_MODELS[model.id])
    assert model.audio == ("audio" in hints), "audio"
    assert model.seed == ("seed" in hints), "seed"
    if model.audio:
        assert hints["audio"] is bool
    if model.seed:
        assert hints["seed"] is int


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_prompt_limit_agrees_with_the_sdk(model: VideoModel) -> None:
    doc = _field_docs(SDK_MODELS[model.id])["prompt_text"]
    match = re.search(r"up to (\d+) characters \(measured in UTF-16 code units\)", doc)
    assert match and int(match[1]) == PROMPT_LIMIT
