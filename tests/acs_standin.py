"""The local ACS stand-in (`simulator/acs/`) as pytest fixtures.

Register them in a conftest with ``from tests.acs_standin import standin, tls``:
`tls` makes one throw-away certificate authority per session, `standin` starts a
fresh stand-in for each test and stops it afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from simulator.acs import AcsStandIn, make_tls


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_tls(tmp_path_factory.mktemp("acs-tls"))


@pytest.fixture
async def standin(tls) -> AsyncIterator[AcsStandIn]:
    server = AcsStandIn(tls)
    await server.start()
    try:
        yield server
    finally:
        await server.close()
