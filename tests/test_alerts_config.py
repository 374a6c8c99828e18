"""alerts.yaml: a file that cannot be used is refused whole, naming its file, line and field;
a good one gives the subscriptions with their defaults. And the CLI's exit codes."""
from __future__ import annotations

import pytest

from alerts import config as alerts_config
from alerts.__main__ import main
from alerts.config import AlertsConfigError, load
from warehouse.measures import HEADLINE

GOOD = """\
subscriptions:
  - name: leeds-manager
    user: Manager@Leeds.nhs.uk
    channel: email
    scope: {trust: rr8}
    digest: true
    events:
      overdue_question: {hours: 24}
      high_flag:
      spc_concern: {grain: week, measures: [answered]}
      connector_failing: {runs: 2}
  - name: region-teams
    user: lead@nhs.net
    channel: {webhook: teams, url_secret: LEEDS_TEAMS_WEBHOOK}
    scope: {region: Y63}
    include_text: true
    max_per_run: 5
    events:
      spc_concern: {}
"""


def test_a_good_file(tmp_path):
    path = tmp_path / "alerts.yaml"
    path.write_text(GOOD)
    first, second = load(path)
    assert (first.name, first.user, first.scope_type, first.scope_code) == ("leeds-manager", "manager@leeds.nhs.uk",
                                                                           "trust", "RR8")
    assert first.channel.kind == "email" and first.digest and not first.include_text and first.max_per_run == 50
    assert first.events == {"overdue_question": {"hours": 24.0, "max_age_days": 7}, "high_flag": {"max_age_days": 7},
                            "spc_concern": {"grain": "week", "measures": ["answered"]},
                            "connector_failing": {"runs": 2}}
    assert second.channel == alerts_config.Channel("teams", "LEEDS_TEAMS_WEBHOOK")
    assert second.events["spc_concern"] == {"grain": "month", "measures": list(HEADLINE)}
    assert second.include_text and second.max_per_run == 5 and second.line == 12


@pytest.mark.parametrize("text, where", [
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: email\n    scope: {trust: RR8}\n    colour: red\n",
     ":6: field 'colour': unknown field"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: sms\n    scope: {trust: RR8}\n",
     ":4: subscription 'a': field 'channel': 'email', or a mapping"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: {webhook: teams, url: 'https://x'}\n"
     "    scope: {trust: RR8}\n", ":4: subscription 'a': field 'channel'"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: {webhook: discord, url_secret: X}\n"
     "    scope: {trust: RR8}\n", ":4: subscription 'a': field 'channel': webhook must be one of teams, slack"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: {webhook: slack, url_secret: 'https://hooks.slack.com/x'}\n"
     "    scope: {trust: RR8}\n", "url_secret names the environment variable"),
    ("subscriptions:\n  - name: a\n    user: nobody\n    channel: email\n    scope: {trust: RR8}\n",
     ":3: subscription 'a': field 'user': not an e-mail address"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: email\n    scope: {ward: 7}\n",
     ":5: subscription 'a': field 'scope'"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: email\n    scope: {england: yes please}\n",
     ":5: subscription 'a': field 'scope': {england: true}"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: email\n    scope: {trust: RR8}\n"
     "    events:\n      weather: {}\n", ":7: subscription 'a': field 'events': unknown event 'weather'"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: email\n    scope: {trust: RR8}\n"
     "    events:\n      overdue_question: {hours: -1}\n", "field 'events': overdue_question.hours: a number of hours above 0"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: email\n    scope: {trust: RR8}\n"
     "    events:\n      spc_concern: {measures: [posts]}\n", "spc_concern.measures: a list of headline measures"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: email\n    scope: {trust: RR8}\n"
     "    events:\n      connector_failing: {runs: 0}\n", "connector_failing.runs: a whole number of at least 1"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: email\n    scope: {trust: RR8}\n"
     "    max_per_run: lots\n", ":6: subscription 'a': field 'max_per_run'"),
    ("subscriptions:\n  - name: a\n    user: a@nhs.net\n    channel: email\n    scope: {trust: RR8}\n"
     "  - name: a\n    user: b@nhs.net\n    channel: email\n    scope: {trust: RR8}\n",
     ":6: subscription 'a': field 'name': the name is used twice"),
    ("subscriptions:\n  - user: a@nhs.net\n    channel: email\n    scope: {trust: RR8}\n",
     ":2: subscription: field 'name': required"),
    ("subscriptions: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", ":1: expected a mapping with 'subscriptions'"),
    ("subscribers: []\n", ":1: field 'subscribers': unknown"),
])
def test_a_bad_file_names_its_file_line_and_field(tmp_path, text, where):
    path = tmp_path / "alerts.yaml"
    path.write_text(text)
    with pytest.raises(AlertsConfigError) as caught:
        load(path)
    assert str(caught.value).startswith(str(path)) and where in str(caught.value), str(caught.value)


def test_the_cli_exits_2_on_a_bad_file_or_a_missing_setting(tmp_path, monkeypatch, capsys, data_dir):
    monkeypatch.setenv("RADSOME_DASHBOARD_URL", "https://radsome.example.nhs.uk")
    assert main(["run", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: no such file" in capsys.readouterr().err
    (tmp_path / "bad.yaml").write_text("subscriptions: {}\n")
    assert main(["digest", "--weekly", "--config", str(tmp_path / "bad.yaml")]) == 2
    assert "field 'subscriptions': expected a list" in capsys.readouterr().err
    monkeypatch.delenv("RADSOME_DASHBOARD_URL")
    (tmp_path / "good.yaml").write_text(GOOD)
    assert main(["run", "--config", str(tmp_path / "good.yaml")]) == 2
    assert "RADSOME_DASHBOARD_URL is not set" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # the digest is weekly: say so
        main(["digest"])
