"""``rlgpt cache``: show and clear the shared response cache."""

from __future__ import annotations

from pathlib import Path

from rlgpt.cli import main
from rlgpt.llm import CachedLLM, Completion, Request, Usage, user


class Fixed:
    supports_images = False

    def __init__(self, backend: str) -> None:
        self.backend, self.model = backend, "m1"

    def complete(self, request: Request) -> Completion:
        return Completion("ok", Usage(5, 2), 0.1, self.model, self.backend)


def test_show_and_clear_one_backend(tmp_path: Path, capsys, monkeypatch):
    path = tmp_path / "cache.sqlite"
    monkeypatch.setenv("RLGPT_LLM_CACHE", str(path))
    for backend in ("openai", "transformers"):
        CachedLLM(Fixed(backend), path).complete(Request((user("hi"),)))

    assert main(["cache"]) == 0
    shown = capsys.readouterr().out
    assert "openai" in shown and "transformers" in shown and str(path) in shown

    assert main(["cache", "clear", "--backend", "openai"]) == 0
    assert "deleted 1 cached answers of openai" in capsys.readouterr().out
    assert main(["cache", "--path", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "openai" not in shown and "transformers" in shown
