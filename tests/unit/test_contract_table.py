"""fastapi_stackops/adopt/contract_table.py: the [tool.stackops] tables init writes, here the image size budget."""

from __future__ import annotations

import tomllib

import pytest

from fastapi_stackops.adopt.contract_table import contract_text, size_budget, written_layout
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.routes import Routes
from tests.utils import BARE


@pytest.mark.parametrize(
    ("megabytes", "budget"),
    [
        (0, None),  # not measured: the default stands
        (207, None),
        (400, None),  # 500 MB is exactly a quarter over it
        (401, 600),
        # tmazda1973/fastapi-app-template: 579 MB, and ci's smoke check failed it against the default 500 MB.
        (579, 800),
        (1200, 1500),
    ],
)
def test_a_first_image_over_what_the_default_budget_leaves_room_for_gets_its_own(megabytes, budget):
    assert size_budget(megabytes) == budget


def test_the_budget_is_written_into_the_contract_only_when_needed():
    repo = read_repository(BARE / "uv-src-factory")
    text = contract_text(repo, Routes(health="/health", image_mb=579), "deploy-env", written_layout(repo))
    assert tomllib.loads(text)["tool"]["stackops"]["image-size-budget-mb"] == 800
    text = contract_text(repo, Routes(health="/health", image_mb=120), "deploy-env", written_layout(repo))
    assert "image-size-budget-mb" not in tomllib.loads(text)["tool"]["stackops"]
