"""Callback tokens are verified against the OpenID configuration ACS publishes (here the
stand-in's, through the app's own HTTP client): keys fetched once, fetched again when ACS
signs with a new key, and not fetched in a flood when tokens name keys nobody published."""

from __future__ import annotations

import asyncio

import jwt
import pytest

from callautomation.callback_auth import KEYS_LAST_S, REFETCH_AFTER_S, CallbackAuthenticator, CallbackRejected
from simulator.acs import client_connector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def checked(standin):
    clock = Clock()
    authenticator = CallbackAuthenticator(
        standin.openid_configuration_url, standin.resource_id, lambda: client_connector(standin.ca_path), clock
    )
    yield authenticator, clock
    await authenticator.close()


async def test_keys_are_fetched_once_for_many_callbacks(standin, checked):
    authenticator, _clock = checked
    for _ in range(5):
        claims = await authenticator.verify(f"Bearer {standin.callback_token()}")
    assert claims["aud"] == standin.resource_id
    assert standin.key_fetches == 2  # the configuration, then its key set


async def test_callbacks_arriving_while_the_keys_are_fetched_wait_for_them(standin, checked):
    authenticator, _clock = checked
    tokens = [f"Bearer {standin.callback_token()}" for _ in range(5)]
    verified = await asyncio.gather(*(authenticator.verify(token) for token in tokens))
    assert len(verified) == 5
    assert standin.key_fetches == 2


async def test_a_new_signing_key_is_fetched_when_acs_starts_using_it(standin, checked):
    authenticator, clock = checked
    await authenticator.verify(f"Bearer {standin.callback_token()}")
    standin.rotate_signing_key()
    clock.now += REFETCH_AFTER_S
    await authenticator.verify(f"Bearer {standin.callback_token()}")
    assert standin.key_fetches == 4


async def test_unknown_key_ids_do_not_flood_acs_with_fetches(standin, checked):
    authenticator, clock = checked
    await authenticator.verify(f"Bearer {standin.callback_token()}")
    forged = jwt.encode({"aud": standin.resource_id}, "k" * 32, algorithm="HS256", headers={"kid": "nobody"})
    for _ in range(20):
        with pytest.raises(CallbackRejected):
            await authenticator.verify(f"Bearer {forged}")
    assert standin.key_fetches == 2
    clock.now += REFETCH_AFTER_S
    with pytest.raises(CallbackRejected):
        await authenticator.verify(f"Bearer {forged}")
    assert standin.key_fetches == 4, "one more fetch once the wait is over"


async def test_keys_are_fetched_again_after_a_day(standin, checked):
    authenticator, clock = checked
    await authenticator.verify(f"Bearer {standin.callback_token()}")
    clock.now += KEYS_LAST_S
    await authenticator.verify(f"Bearer {standin.callback_token()}")
    assert standin.key_fetches == 4


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic abc", "Bearer not-a-jwt"])
async def test_a_missing_or_malformed_token_is_rejected_without_a_fetch(standin, checked, header):
    authenticator, _clock = checked
    with pytest.raises(CallbackRejected):
        await authenticator.verify(header)
    assert standin.key_fetches == 0


async def test_a_token_signed_with_hs256_under_a_published_key_id_is_rejected(standin, checked):
    authenticator, _clock = checked
    await authenticator.verify(f"Bearer {standin.callback_token()}")
    kid = jwt.get_unverified_header(standin.callback_token())["kid"]
    forged = jwt.encode({"aud": standin.resource_id, "iss": "https://acscallautomation.communication.azure.com",
                         "exp": 9999999999}, "secret" * 6, algorithm="HS256", headers={"kid": kid})
    with pytest.raises(CallbackRejected):
        await authenticator.verify(f"Bearer {forged}")
