"""The client file is read in one place with one error policy: a bad file is an error naming the file."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bot.client_file import ClientFileError, read_client_file
from bot.handoff.config import HandoffConfigError, load_handoff_config
from bot.hub.app import create_app
from bot.settings import PROJECT_ROOT, Settings


def test_the_project_client_file_reads_as_a_mapping():
    data = read_client_file(PROJECT_ROOT / "client.yml")
    assert data["id"] and "escalation" in data


@pytest.mark.parametrize("content, message", [
    (None, "cannot read client file"),
    ("brand: [oops\n", "not valid YAML"),
    ("- a\n- list\n", "expected a mapping"),
])
def test_a_bad_client_file_is_an_error_that_names_it(tmp_path, content, message):
    path = tmp_path / "client.yml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ClientFileError, match=message) as raised:
        read_client_file(path)
    assert str(path) in str(raised.value)
    with pytest.raises(HandoffConfigError, match=message):  # each feature's loader: the same policy
        load_handoff_config(path)


def test_an_empty_client_file_is_an_empty_mapping(tmp_path):
    path = tmp_path / "client.yml"
    path.write_text("")
    assert read_client_file(path) == {}


def test_the_hub_refuses_to_start_on_a_missing_client_file(tmp_path):
    settings = Settings(client_file=tmp_path / "missing.yml", hub_db_url=f"sqlite:///{tmp_path / 'hub.db'}")
    with pytest.raises(ClientFileError, match="missing.yml"):
        with TestClient(create_app(settings)):
            pass
