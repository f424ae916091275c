"""The contract guard: overriding a contract test needs xfail(reason=...)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rlgpt.testing import Contract, ContractOverrideError
from rlgpt.testing.guard import contract_tests, unmarked_overrides


class Kit(Contract):
    __contract_kit__ = True

    def test_one(self) -> None:
        assert True

    def test_two(self) -> None:
        assert True

    def helper(self) -> int:
        return 1


def test_subclass_without_overrides_is_fine() -> None:
    class TestPlugin(Kit):
        def helper(self) -> int:
            return 2

        def test_extra(self) -> None:
            pass

    assert unmarked_overrides(TestPlugin) == []
    assert contract_tests(TestPlugin) == {"test_one": Kit, "test_two": Kit}


def test_plain_override_is_refused() -> None:
    message = r"TestPlugin\.test_one overrides the contract test Kit\.test_one"
    with pytest.raises(ContractOverrideError, match=message):

        class TestPlugin(Kit):
            def test_one(self) -> None:
                pass


@pytest.mark.parametrize(
    "marker",
    [pytest.mark.skip(reason="no"), pytest.mark.xfail, pytest.mark.xfail(reason="  ")],
    ids=["skip", "xfail-without-reason", "xfail-blank-reason"],
)
def test_other_marks_are_refused(marker: pytest.MarkDecorator) -> None:
    with pytest.raises(ContractOverrideError):

        class TestPlugin(Kit):
            @marker
            def test_two(self) -> None:
                pass


def test_replacing_a_test_with_a_value_is_refused() -> None:
    with pytest.raises(ContractOverrideError):

        class TestPlugin(Kit):
            test_one = None


def test_xfail_with_reason_is_allowed_and_checked_down_the_line() -> None:
    class TestPlugin(Kit):
        @pytest.mark.xfail(reason="the simulator has no seeding")
        def test_one(self) -> None:
            raise AssertionError

    assert unmarked_overrides(TestPlugin) == []
    with pytest.raises(ContractOverrideError, match=r"TestDeeper\.test_one"):

        class TestDeeper(TestPlugin):
            def test_one(self) -> None:
                pass


def test_a_kit_built_on_a_kit_may_redefine_tests() -> None:
    class Kit2(Kit):
        __contract_kit__ = True

        def test_one(self) -> None:
            pass

    assert contract_tests(Kit2)["test_one"] is Kit2


def test_pytest_run_fails_on_a_silent_override(tmp_path: Path) -> None:
    test_file = tmp_path / "test_weakened.py"
    test_file.write_text(textwrap.dedent("""
        from rlgpt.testing import EnvironmentContract

        class TestCorridor(EnvironmentContract):
            env_name = "corridor"

            def test_seeded_determinism(self, spec):
                pass
    """))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert result.returncode != 0
    assert "TestCorridor.test_seeded_determinism overrides the contract test" in result.stdout
