"""Slack users and channels map to groups; a channel narrows, never widens; event ids are
remembered in the catalog. Catalog only: no model is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakelight.cli import app
from lakelight.config import load_settings
from lakelight.errors import ConfigError
from lakelight.workspace import Workspace

runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(load_settings(home=str(tmp_path / "ws")))


def test_the_channel_narrows_and_a_direct_message_uses_the_users_groups(ws: Workspace) -> None:
    ws.slack_map_user("U0ANA001", "support, finance")
    ws.slack_map_channel("C0SUPPORT", "support,hr")
    dm = ws.slack_access("U0ANA001", "D0ANA001", private=True)
    assert dm.name == "slack:U0ANA001" and dm.groups == {"support", "finance"} and not dm.admin
    assert ws.slack_access("U0ANA001", "C0SUPPORT", private=False).groups == {"support"}
    assert ws.slack_access("U0ANA001", "C0OTHER1", private=False).groups == set()
    assert ws.slack_access("U0ANA001", None, private=False).groups == set()
    # an unmapped user in a mapped channel: the channel never widens
    assert ws.slack_access("U0BEN001", "C0SUPPORT", private=False).groups == set()
    assert ws.slack_access("U0BEN001", "D0BEN001", private=True).groups == set()
    ws.slack_map_user("U0ANA001", "")  # no groups: unmapped again
    assert ws.slack_mappings()["users"] == []
    with pytest.raises(ConfigError, match="Slack user id"):
        ws.slack_access("<!channel>", "C1", private=True)
    with pytest.raises(ConfigError, match="Group 'a b'"):
        ws.slack_map_channel("C0SUPPORT", "a b")
    ws.close()


def test_an_event_is_delivered_once_also_to_a_new_workspace_object(ws: Workspace) -> None:
    assert ws.slack_first_delivery("Ev0001") is True
    assert ws.slack_first_delivery("Ev0001") is False
    again = Workspace(ws.settings)  # as a restarted server would open it
    assert again.slack_first_delivery("Ev0001") is False
    assert again.slack_first_delivery("Ev0002") is True
    again.close()
    ws.close()


def test_the_slack_cli_maps_lists_and_explains_socket_mode() -> None:
    r = runner.invoke(app, ["slack", "map-user", "U0ANA001", "--groups", "support,hr"])
    assert r.exit_code == 0 and "reads as: hr,support" in r.stdout
    r = runner.invoke(app, ["slack", "map-channel", "C0SUPPORT", "--groups", "support"])
    assert r.exit_code == 0
    listed = json.loads(runner.invoke(app, ["slack", "list", "--json"]).stdout)
    assert [(u["id"], u["groups"]) for u in listed["users"]] == [("U0ANA001", ["hr", "support"])]
    assert [(c["id"], c["groups"]) for c in listed["channels"]] == [("C0SUPPORT", ["support"])]
    table = runner.invoke(app, ["slack", "list"]).stdout
    assert "U0ANA001" in table and "C0SUPPORT" in table
    r = runner.invoke(app, ["slack", "map-user", "U0ANA001", "--groups", ""])
    assert r.exit_code == 0 and "unmapped: open sources only" in r.stdout
    bad = runner.invoke(app, ["slack", "map-user", "ana", "--groups", "x"])
    assert bad.exit_code == 1 and "Slack user id 'ana'" in bad.stderr
    socket = runner.invoke(app, ["slack", "--socket"])
    assert socket.exit_code == 1 and "LAKELIGHT_SLACK_BOT_TOKEN" in socket.stderr
    assert "LAKELIGHT_SLACK_APP_TOKEN" in socket.stderr
    assert "map-user" in runner.invoke(app, ["slack"]).stdout


def test_one_of_token_and_secret_alone_is_refused_at_startup(tmp_path: Path) -> None:
    from lakelight.api import create_app

    settings = load_settings(home=str(tmp_path / "ws"), slack_bot_token="xoxb-1")
    with pytest.raises(ConfigError, match="LAKELIGHT_SLACK_SIGNING_SECRET"):
        create_app(settings=settings)
