"""Start, wait for and stop the bot and its local services as child processes.

Tests and benchmarks both run real servers (`app.py`, gunicorn, Azurite, the benchmark
targets) in processes of their own. They share this one way of doing it, so that a
process that dies on start-up fails at once with its output instead of after a
time-out, and one that outlives its caller is always stopped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 30.0  # generous: the machines that run the tests are small and busy
STOP_TIMEOUT_S = 10.0
OUTPUT_TAIL_CHARS = 3000


class StartFailed(RuntimeError):
    """A child process exited, or never listened, while it was expected to start."""


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class ChildProcess:
    """A started process and the file its output goes to (None: output discarded)."""

    popen: subprocess.Popen[bytes]
    log: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        """The end of what the process printed, to explain why it failed."""
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-OUTPUT_TAIL_CHARS:]


@contextmanager
def child_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: Path | None = None,
    stop_signal: signal.Signals = signal.SIGTERM,
) -> Iterator[ChildProcess]:
    """Run `argv` until the block ends, then stop it with `stop_signal` (killed if it lingers).

    `env` is the whole environment of the child. Its stdout and stderr both go to `log`.
    """
    output = log.open("wb") if log is not None else subprocess.DEVNULL
    try:
        popen = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdout=output, stderr=subprocess.STDOUT)
    finally:
        if log is not None:
            output.close()  # the child holds its own copy
    try:
        yield ChildProcess(popen, log)
    finally:
        stop(popen, stop_signal)


def stop(popen: subprocess.Popen[bytes], stop_signal: signal.Signals = signal.SIGTERM) -> None:
    """Ask the process to stop, wait for it, and kill it if it does not within STOP_TIMEOUT_S."""
    popen.send_signal(stop_signal)
    try:
        popen.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.wait()


async def wait_for_port(
    host: str, port: int, timeout_s: float = START_TIMEOUT_S, process: ChildProcess | None = None
) -> None:
    """Return once `host:port` accepts a connection.

    Raises StartFailed, with the process's output, as soon as `process` exits, or when
    nothing listened within `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        if process is not None and process.popen.poll() is not None:
            raise StartFailed(f"exited with {process.popen.returncode} before listening on {port}:\n{process.output()}")
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            if time.monotonic() >= deadline:
                tail = f":\n{process.output()}" if process is not None else ""
                raise StartFailed(f"nothing listened on {host}:{port} within {timeout_s:g} s{tail}") from None
            await asyncio.sleep(0.1)
        else:
            writer.close()
            await writer.wait_closed()
            return


@dataclass(frozen=True)
class ServerProcess:
    """A server started by `serve`, listening on loopback at `port`."""

    port: int
    process: ChildProcess

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def messages_url(self) -> str:
        """Where a channel posts activities to the bot."""
        return f"{self.url}/api/messages"


@asynccontextmanager
async def serve(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: Path = ROOT,
    log: Path | None = None,
    stop_signal: signal.Signals = signal.SIGINT,
    timeout_s: float = START_TIMEOUT_S,
) -> AsyncIterator[ServerProcess]:
    """Run a server on a free loopback port until the block ends.

    The port is passed as `$PORT` and in place of `{port}` in `argv`; `env` is laid over
    this process's environment. The block starts once the port accepts connections.
    The default SIGINT lets aiohttp's `run_app` shut down cleanly.
    """
    port = free_port()
    command = [arg.replace("{port}", str(port)) for arg in argv]
    environment = {**os.environ, **env, "PORT": str(port)}
    with child_process(command, cwd=cwd, env=environment, log=log, stop_signal=stop_signal) as process:
        await wait_for_port(LOOPBACK, port, timeout_s, process)
        yield ServerProcess(port, process)


def serve_app(
    env: Mapping[str, str], *, cwd: Path = ROOT, log: Path | None = None
) -> AbstractAsyncContextManager[ServerProcess]:
    """Run this bot (`python app.py`) with the settings in `env` until the block ends.

    Waiting for the port is enough: `app.py` binds it only after the app is built.
    """
    return serve([sys.executable, "app.py"], env, cwd=cwd, log=log)
