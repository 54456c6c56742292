"""tests/utils/scheduling.py: which unit of the suite a worker is handed."""

import pytest

from tests.utils.scheduling import marked, scope, spread_modules


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("pytestmark = [same_for_every_newcomer, spread]\n", True),
        ("pytestmark = pytest.mark.spread\n", True),
        ("pytestmark = [\n    pytest.mark.integration,\n    spread,\n]\n", True),
        ("pytestmark = same_for_every_newcomer\n", False),
        ("pytestmark = [long]\nspread = 1\n", False),  # a name elsewhere in the module is no mark
        ("import pytest\n", False),
    ],
)
def test_a_module_is_spread_when_its_pytestmark_names_spread(tmp_path, source, expected):
    module = tmp_path / "test_x.py"
    module.write_text(source)
    assert marked(module, "spread") is expected


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/integration/test_adopt.py::test_init[uv]", "tests/integration/test_adopt.py::test_init[uv]"),
        ("tests/integration/test_checks.py::test_smoke", "tests/integration/test_checks.py"),
    ],
)
def test_a_spread_modules_tests_are_units_of_their_own_the_others_go_by_module(nodeid, expected):
    assert scope(nodeid, {"tests/integration/test_adopt.py"}) == expected


def test_the_long_init_then_ci_modules_are_spread():
    assert {"tests/integration/test_adopt.py", "tests/integration/test_newcomer.py"} <= spread_modules()
