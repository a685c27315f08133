"""What the bot's server writes to its log, served both ways it is served.

`python app.py` (aiohttp's `run_app`, access log on) and App Service's
gunicorn with aiohttp's worker (its access log asked for with
`--access-logfile -`). Each gets requests carrying the Event Grid secret in
`?code=`, a call's callback token in the path, a query in a Referer header,
and request heads too long to read; then its whole output is searched.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import create_app
from config import DefaultConfig
from devtools.processes import ServerProcess, serve

# Neither holds a run of six digits: the digit redactor alone would not hide them.
SECRET = "the-subscription-code-x7Kq2Zr"
TOKEN = "Q9x-callback-token-of-one-call-aZ3kP0w_Lm8bYt2Rv5Hn1Jc4Df7"

SERVERS = {
    "python-app-py": [sys.executable, "app.py"],
    "gunicorn": [
        sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:{port}", "--worker-class",
        "aiohttp.worker.GunicornWebWorker", "--access-logfile", "-", "app:APP",
    ],
}


def settings(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),  # gunicorn puts its control socket under ~/.gunicorn
        "LOG_LEVEL": "INFO",
        "MicrosoftAppId": "",
        "RECORDINGS_DIR": str(home / "recordings"),
        "EVENTGRID_SECRET": SECRET,
        "CALLBACK_BASE_URL": "https://bot.example.com",
        "ACS_CONNECTION_STRING": "endpoint=https://contoso.communication.azure.com/;accesskey="
        + base64.b64encode(b"k" * 32).decode(),
        "ACS_RESOURCE_ID": "00000000-0000-0000-0000-00000000acs1",
        "COGNITIVE_SERVICES_ENDPOINT": "https://contoso.cognitiveservices.azure.com/",
    }


async def raw_status(server: ServerProcess, head: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(head)
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    return status_line


async def requests_with_secrets(server: ServerProcess) -> dict[str, int]:
    """Requests that carry the secret or the token, and unreadable heads; each one's status."""
    validation = [{
        "id": "1", "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "subject": "", "dataVersion": "1",
        "eventTime": "2024-05-01T10:00:00Z", "data": {"validationCode": "abc"},
    }]
    statuses = {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        for name, method, path, body, headers in [
            ("recordings webhook", "POST", f"/api/recordings/events?code={SECRET}", validation, {}),
            ("incoming calls", "POST", f"/api/calls/incoming?code={SECRET}", validation, {}),
            ("a callback", "POST", f"/api/calls/{TOKEN}/events", [], {}),
            ("a referer", "GET", "/healthz", None, {"Referer": f"https://portal.example.com/x?code={SECRET}"}),
        ]:
            async with http.request(method, server.url + path, json=body, headers=headers) as response:
                await response.read()
                statuses[name] = response.status
    statuses["a 9 KB header"] = int(
        (await raw_status(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 9000 + b"\r\n\r\n")).split()[1]
    )
    statuses["a 9 KB request line"] = int(
        (await raw_status(server, f"GET /api/calls/incoming?code={SECRET}".encode() + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")).split()[1]
    )
    return statuses


@pytest.mark.parametrize("argv", SERVERS.values(), ids=SERVERS.keys())
async def test_the_server_log_holds_no_secret_no_token_and_no_traceback(tmp_path, argv):
    log = tmp_path / "server.log"
    async with serve(argv, settings(tmp_path), log=log, stop_signal=signal.SIGTERM, timeout_s=60) as server:
        statuses = await requests_with_secrets(server)
        await asyncio.sleep(0.5)  # the access log is written after the response
    output = log.read_text(errors="replace")

    assert statuses == {
        "recordings webhook": 200, "incoming calls": 200, "a callback": 401, "a referer": 200,
        "a 9 KB header": 400, "a 9 KB request line": 400,
    }, output
    assert SECRET not in output and TOKEN not in output, output
    assert "Traceback" not in output, output
    access = [line for line in output.splitlines() if '"POST /api/' in line or '"GET /healthz' in line]
    assert len(access) >= 4, output  # the access log is there, without what it must not hold
    assert any("/api/calls/{token}/events" in line for line in access), output
    unreadable = [line for line in output.splitlines() if "Error handling request" in line]
    assert len(unreadable) == 2 and all("LineTooLong" in line for line in unreadable), output


async def test_an_access_log_records_fields_hold_no_query_either(caplog, tmp_path):
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    config = dataclasses.replace(DefaultConfig(), EVENTGRID_SECRET=SECRET, RECORDINGS_DIR=str(tmp_path))
    server = TestServer(create_app(config))
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            headers = {"Referer": f"https://portal.example.com/?code={SECRET}"}
            async with http.post(server.make_url(f"/api/recordings/events?code={SECRET}"), json=[], headers=headers):
                pass
        await asyncio.sleep(0.1)
    finally:
        await server.close()
    (record,) = [r for r in caplog.records if r.name == "aiohttp.access"]
    assert '"POST /api/recordings/events HTTP/1.1"' in record.getMessage()
    assert SECRET not in repr(vars(record)), vars(record)
