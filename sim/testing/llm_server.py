"""llama-cpp-python's OpenAI-compatible server on loopback, for tests and benchmarks of the remote-model path.

`LlamaServer(model_path).start()` runs `python -m llama_cpp.server` on 127.0.0.1 at a free
port, waits until `/v1/models` answers, and `stop()` ends exactly that process by its PID.
Needs the server's dependencies (`llama-cpp-python[server]`, in the dev extra).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sim.core.errors import NegsimError
from sim.core.machine import free_cores

HOST = "127.0.0.1"


class ServerError(NegsimError, RuntimeError):
    """The local model server did not start (its log's last lines are in the message)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class LlamaServer:
    """One llama-cpp-python server process serving one GGUF model on 127.0.0.1."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int = field(default_factory=free_cores)   # the cores free when the server starts
    log: Path | None = None
    port: int = field(default=0, init=False)
    proc: subprocess.Popen | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        """The OpenAI base URL (`.../v1`)."""
        return f"http://{HOST}:{self.port}/v1"

    def command(self) -> list[str]:
        """The server's command line."""
        return [sys.executable, "-m", "llama_cpp.server", "--model", self.model_path, "--host", HOST,
                "--port", str(self.port), "--n_ctx", str(self.n_ctx), "--n_threads", str(self.n_threads),
                "--n_threads_batch", str(self.n_threads), "--verbose", "False"]

    def start(self, wait: float = 120.0) -> "LlamaServer":
        """Start the process and poll `/v1/models` until it answers (ServerError after `wait` seconds)."""
        self.port = free_port()
        self.log = self.log or Path(os.environ.get("TMPDIR", "/tmp")) / f"negsim-llama-server-{self.port}.log"
        out = open(self.log, "wb")
        self.proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self.answers():
                return self
            time.sleep(0.2)
        self.stop()
        tail = " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-3:])
        raise ServerError(f"llama-cpp-python server did not answer on {self.url}: {tail}")

    def answers(self) -> bool:
        """True when GET /v1/models returns 200."""
        try:
            with urllib.request.urlopen(f"{self.url}/models", timeout=1.0) as r:
                return r.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """End the server abruptly (SIGKILL by PID), as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """End the server by its PID (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> "LlamaServer":
        return self.start() if self.proc is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
