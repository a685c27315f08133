"""Settings: defaults for `make run`, and bad values named at start-up."""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, DefaultConfig

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_need_no_configuration():
    config = DefaultConfig.from_env({})
    assert config.PORT == 3978
    assert config.local_mode
    assert config.AGENT_PHONE_NUMBER == "+14255550100"
    assert (config.RECORDING_RESULT_TIMEOUT_S, config.NO_INPUT_TIMEOUT_S) == (5.0, 8.0)
    assert (config.MAX_RETRIES, config.TRANSFER_DELAY_S, config.STOP_RECORDING_ON_HANGUP) == (3, 3.0, False)
    assert (config.VOICE_NAME, config.VOICE_LOCALE, config.VOICE_STYLE) == ("en-US-JennyNeural", "en-US", "")
    assert config.STORAGE == "memory"


def test_values_are_read_and_converted():
    config = DefaultConfig.from_env(
        {"PORT": "8080", "NO_INPUT_TIMEOUT_S": "2.5", "STOP_RECORDING_ON_HANGUP": "true", "MAX_RETRIES": "5",
         "RECORDING_HOST_ALLOWLIST": "a.example, b.example"}
    )
    assert (config.PORT, config.NO_INPUT_TIMEOUT_S, config.STOP_RECORDING_ON_HANGUP, config.MAX_RETRIES) == (
        8080, 2.5, True, 5,
    )
    assert config.RECORDING_HOST_ALLOWLIST == ("a.example", "b.example")


@pytest.mark.parametrize(
    "name, value",
    [
        ("PORT", "http"),
        ("PORT", "70000"),
        ("AGENT_PHONE_NUMBER", "425-555-0100"),
        ("AGENT_PHONE_NUMBER", "tel:+14255550100"),
        ("MAX_RETRIES", "0"),
        ("NO_INPUT_TIMEOUT_S", "-1"),
        ("NO_INPUT_TIMEOUT_S", "soon"),
        ("STOP_RECORDING_ON_HANGUP", "maybe"),
        ("STORAGE", "redis"),
        ("MicrosoftAppType", "Personal"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_an_invalid_value_is_refused_naming_the_variable(name, value):
    with pytest.raises(ConfigError) as refused:
        DefaultConfig.from_env({name: value})
    assert refused.value.name == name
    assert str(refused.value).startswith(f"{name}=")


def test_blob_storage_needs_a_connection_string():
    with pytest.raises(ConfigError, match="AZURE_STORAGE_CONNECTION_STRING"):
        DefaultConfig.from_env({"STORAGE": "blob"})


APP_ID = "00000000-0000-0000-0000-0000000000a1"
TENANT_ID = "00000000-0000-0000-0000-0000000000b2"


@pytest.mark.parametrize(
    "env, named",
    [
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": TENANT_ID},
         "MicrosoftAppPassword"),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppType": "MultiTenant"}, "MicrosoftAppPassword"),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppType": "SingleTenant", "MicrosoftAppPassword": "s"},
         "MicrosoftAppTenantId"),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppType": "UserAssignedMSI"}, "MicrosoftAppTenantId"),
        ({"MicrosoftAppPassword": "s"}, "MicrosoftAppId"),
        ({"MicrosoftAppTenantId": TENANT_ID}, "MicrosoftAppId"),
        ({"MicrosoftAppType": "SingleTenant"}, "MicrosoftAppId"),
    ],
    ids=["single-tenant-without-secret", "multi-tenant-without-secret", "single-tenant-without-tenant",
         "managed-identity-without-tenant", "secret-without-app-id", "tenant-without-app-id",
         "single-tenant-without-app-id"],
)
def test_a_half_configured_bot_identity_is_refused_naming_the_missing_setting(env, named):
    with pytest.raises(ConfigError) as refused:
        DefaultConfig.from_env(env, env_file=None)
    assert refused.value.name == named
    assert str(refused.value).startswith(f"{named}=")


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s"},
        {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s", "MicrosoftAppType": "SingleTenant",
         "MicrosoftAppTenantId": TENANT_ID},
        {"MicrosoftAppId": APP_ID, "MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppTenantId": TENANT_ID},
    ],
    ids=["local-mode", "multi-tenant", "single-tenant", "managed-identity"],
)
def test_a_whole_bot_identity_is_accepted(env):
    assert DefaultConfig.from_env(env, env_file=None).local_mode == (not env)


def test_app_py_stops_on_a_half_configured_identity_naming_the_setting():
    env = {**os.environ, "MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "", "MicrosoftAppType": "SingleTenant",
           "MicrosoftAppTenantId": TENANT_ID}
    finished = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert finished.returncode != 0
    assert "MicrosoftAppPassword" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_secrets_are_not_in_the_repr():
    config = DefaultConfig.from_env(
        {"MicrosoftAppId": "app", "MicrosoftAppPassword": "hunter2", "CARD_DATA_KEY": "k" * 44}
    )
    assert "hunter2" not in repr(config) and "k" * 44 not in repr(config)


def test_env_example_lists_every_setting():
    example = (ROOT / ".env.example").read_text()
    names = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line and not line.startswith("#")}
    assert names == {f.name for f in dataclasses.fields(DefaultConfig)}
    assert DefaultConfig.from_env(
        {k: v for k, v in (line.split("=", 1) for line in example.splitlines() if "=" in line and not line.startswith("#"))}
    )


def test_python_app_py_stops_with_a_message_naming_the_bad_variable():
    env = {**os.environ, "AGENT_PHONE_NUMBER": "555-0100"}
    finished = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert finished.returncode != 0
    assert "AGENT_PHONE_NUMBER" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_start_up_installs_the_log_redaction():
    script = (
        "import logging, app; app.load_config();"
        "logging.getLogger('anything').warning('caller typed %s', '4111 1111 1111 1111')"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 0, finished.stderr
    assert "caller typed [redacted 16 digits]" in finished.stderr
    assert "4111" not in finished.stderr


CALL_AUTOMATION = {
    "CALLBACK_BASE_URL": "https://mybot.example.net",
    "ACS_CONNECTION_STRING": "endpoint=https://r.communication.azure.com/;accesskey=a2V5",
    "ACS_RESOURCE_ID": "6d5d1bd4-8c1e-4b4e-9f0c-1f7b1d3c2a10",
    "COGNITIVE_SERVICES_ENDPOINT": "https://ai.cognitiveservices.azure.com/",
    "EVENTGRID_SECRET": "code",
}


def test_call_automation_is_off_until_a_callback_base_url_is_set():
    assert not DefaultConfig.from_env({}, env_file=None).call_automation
    assert DefaultConfig.from_env(CALL_AUTOMATION, env_file=None).call_automation


@pytest.mark.parametrize(
    "missing", ["ACS_RESOURCE_ID", "COGNITIVE_SERVICES_ENDPOINT", "EVENTGRID_SECRET", "ACS_CONNECTION_STRING"]
)
def test_call_automation_names_the_setting_it_lacks(missing):
    with pytest.raises(ConfigError) as refused:
        DefaultConfig.from_env({k: v for k, v in CALL_AUTOMATION.items() if k != missing}, env_file=None)
    assert refused.value.name == missing


def test_a_managed_identity_endpoint_replaces_the_connection_string():
    env = {**CALL_AUTOMATION, "ACS_CONNECTION_STRING": "", "ACS_ENDPOINT": "https://r.communication.azure.com"}
    assert DefaultConfig.from_env(env, env_file=None).call_automation


@pytest.mark.parametrize("url", ["http://mybot.example.net", "ftp://x", "mybot.example.net", "https://"])
def test_callbacks_go_to_https_except_on_this_machine(url):
    with pytest.raises(ConfigError, match="CALLBACK_BASE_URL"):
        DefaultConfig.from_env({**CALL_AUTOMATION, "CALLBACK_BASE_URL": url}, env_file=None)
    local = DefaultConfig.from_env({**CALL_AUTOMATION, "CALLBACK_BASE_URL": "http://127.0.0.1:3978"}, env_file=None)
    assert local.call_automation


# ---------------------------------------------------------------- Azure without keys


def test_blob_storage_can_be_reached_by_account_url_with_the_apps_identity():
    config = DefaultConfig.from_env(
        {"STORAGE": "blob", "RECORDINGS_STORE": "blob", "AZURE_STORAGE_ACCOUNT_URL": "https://acct.blob.core.windows.net/"},
        env_file=None,
    )
    assert config.storage_by_identity
    keyed = DefaultConfig.from_env({"STORAGE": "blob", "AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true",
                                    "AZURE_STORAGE_ACCOUNT_URL": "https://acct.blob.core.windows.net/"}, env_file=None)
    assert not keyed.storage_by_identity, "a connection string wins: local development and Azurite"


@pytest.mark.parametrize(
    "env, named",
    [
        ({"STORAGE": "blob", "AZURE_STORAGE_ACCOUNT_URL": "http://acct.blob.core.windows.net/"}, "AZURE_STORAGE_ACCOUNT_URL"),
        ({**CALL_AUTOMATION, "ACS_CONNECTION_STRING": "", "ACS_ENDPOINT": "r.communication.azure.com"}, "ACS_ENDPOINT"),
        ({"RECORDINGS_STORE": "blob"}, "AZURE_STORAGE_CONNECTION_STRING"),
        ({"RECORDINGS_SCOPE": "mine"}, "RECORDINGS_SCOPE"),
        ({"RECORDINGS_SCOPE": "own-calls"}, "RECORDINGS_SCOPE"),
        ({"SERVE_API_MESSAGES": "false"}, "SERVE_API_MESSAGES"),
    ],
)
def test_a_setting_that_cannot_work_in_azure_is_named(env, named):
    with pytest.raises(ConfigError) as refused:
        DefaultConfig.from_env(env, env_file=None)
    assert refused.value.name == named


def test_a_call_automation_line_needs_no_app_registration_and_can_keep_to_its_own_recordings():
    config = DefaultConfig.from_env(
        {**CALL_AUTOMATION, "SERVE_API_MESSAGES": "false", "RECORDINGS_SCOPE": "own-calls"}, env_file=None
    )
    assert config.local_mode and not config.SERVE_API_MESSAGES
    assert config.recordings_scope.value == "own-calls"


@pytest.mark.parametrize("name", ["CARD_DATA_KEY", "EVENTGRID_SECRET", "MicrosoftAppPassword"])
def test_a_key_vault_reference_app_service_could_not_resolve_stops_start_up_naming_it(name):
    """App Service leaves the reference itself in the setting when it cannot read the secret."""
    reference = "@Microsoft.KeyVault(VaultName=kv-contoso;SecretName=card-data-key)"
    with pytest.raises(ConfigError) as refused:
        DefaultConfig.from_env({"MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": TENANT_ID,
                                "MicrosoftAppType": "SingleTenant", "MicrosoftAppPassword": "s", name: reference},
                               env_file=None)
    assert refused.value.name == name
    assert "Key Vault Secrets User" in str(refused.value)
