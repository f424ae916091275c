"""Launch vLLM's OpenAI-compatible server as a child process, wait until it serves, stop it."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from rlgpt import LLMError
from rlgpt.llm import one_line

from rlgpt_vllm.engine_options import EngineOptions

VLLM_SERVER = (sys.executable, "-m", "vllm.entrypoints.openai.api_server")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def served_models(base_url: str, timeout_s: float = 5.0) -> list[str]:
    """Model ids listed by ``GET {base_url}/models``; raises ``OSError``/``ValueError`` when none answer."""
    with urllib.request.urlopen(f"{base_url}/models", timeout=timeout_s) as response:
        body = json.load(response)
    return [entry["id"] for entry in body["data"]]


class VLLMServer:
    """One vLLM OpenAI-compatible server process serving ``model`` on ``host:port``.

    :param model: model id or local folder (``--model``); also the name it is served under.
    :param host: interface to bind (loopback by default).
    :param port: TCP port; a free one when ``None``.
    :param engine: engine settings, passed as command-line flags.
    :param server_args: extra flags appended verbatim (``["--enable-prefix-caching"]``).
    :param launcher: the program prefix; ``python -m vllm.entrypoints.openai.api_server`` by default.
        Any program taking ``--model/--host/--port`` and serving the OpenAI API works.
    :param startup_timeout_s: how long :meth:`start` waits for ``/v1/models`` to list the model.
    """

    def __init__(
        self,
        model: str,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        engine: EngineOptions | None = None,
        server_args: Sequence[str] = (),
        launcher: Sequence[str] = VLLM_SERVER,
        startup_timeout_s: float = 600.0,
    ) -> None:
        self.model = model
        self.host = host
        self.port = port or free_port(host)
        self.engine = engine or EngineOptions()
        self.server_args = tuple(server_args)
        self.launcher = tuple(launcher)
        self.startup_timeout_s = startup_timeout_s
        self.log_path: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """The server's ``/v1`` URL."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def command(self) -> list[str]:
        """The command line that starts the server."""
        return [
            *self.launcher,
            *("--model", self.model, "--host", self.host, "--port", str(self.port)),
            *self.engine.cli_args(),
            *self.server_args,
        ]

    def start(self) -> str:
        """Start the process and wait until it serves the model; returns :attr:`base_url`."""
        if self.launcher == VLLM_SERVER and importlib.util.find_spec("vllm") is None:
            raise LLMError(
                "vllm is not installed, so its server cannot be launched; "
                "pip install vllm (needs a CUDA GPU) or pass options.base_url of a running server"
            )
        fd, log = tempfile.mkstemp(prefix="rlgpt-vllm-server-", suffix=".log")
        self.log_path = Path(log)
        with os.fdopen(fd, "wb") as log_file:
            self._process = subprocess.Popen(
                self.command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def wait_until_ready(self, poll_s: float = 0.2) -> None:
        """Poll ``/v1/models`` until it lists the model; fail if the process exits or time runs out."""
        if self._process is None:
            raise RuntimeError("the server is not started; call start()")
        deadline = time.monotonic() + self.startup_timeout_s
        while True:
            code = self._process.poll()
            if code is not None:
                raise LLMError(
                    f"the vLLM server exited with code {code} before serving {self.model!r}: "
                    f"{self._last_log_line()}; see {self.log_path}"
                )
            try:
                if self.model in served_models(self.base_url, timeout_s=poll_s * 5):
                    return
            except (OSError, ValueError, KeyError, TypeError):
                pass  # not listening yet, or still loading
            if time.monotonic() >= deadline:
                raise LLMError(
                    f"the vLLM server did not serve {self.model!r} within {self.startup_timeout_s:g}s; "
                    f"raise options.startup_timeout_s or see {self.log_path}"
                )
            time.sleep(poll_s)

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def stop(self, grace_s: float = 10.0) -> None:
        """Terminate the server's process group (vLLM starts workers); kill it after ``grace_s``."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _last_log_line(self) -> str:
        """The last non-empty line the server wrote (its error, usually)."""
        if self.log_path is None:
            return "no output"
        lines = [
            line.strip() for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()
        ]
        return one_line(lines[-1]) if lines else "no output"
