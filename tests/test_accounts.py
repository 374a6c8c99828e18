"""The account registry: versions replace each other, history is kept, errors name lines."""
from __future__ import annotations

import pytest

from ingest import jobs
from ingest.accounts import RegistryError
from tests.support import raw_query

HEADER = "platform,author_id,role,trust_code,title\n"


def test_new_version_replaces_and_keeps_history(data_dir, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(HEADER + "x,leeds,organisation,RR8,Leeds\nx,jo,professional,RR8,Mammographer\n")
    assert jobs.load_accounts(path) == (1, 2)
    path.write_text(HEADER + "twitter,jo,professional,RTD,Mammographer\n")
    assert jobs.load_accounts(path) == (2, 1)
    assert raw_query("SELECT registry_version, count(*) FROM account_registry GROUP BY 1 ORDER BY 1") == [(1, 2), (2, 1)]
    assert raw_query("SELECT platform, trust_code FROM account_registry WHERE registry_version = 2") == [("x", "RTD")]


@pytest.mark.parametrize("row, message", [
    ("x,jo,patient,RR8,t", "accounts.csv:2: field 'role': 'patient' is not one of"),
    ("x,,professional,RR8,t", "accounts.csv:2: field 'author_id': missing"),
    ("x,jo,professional,ZZZ,t", "accounts.csv:2: field 'trust_code': unknown trust code 'ZZZ'"),
    ("myspace,jo,professional,RR8,t", "accounts.csv:2: field 'platform': unknown platform"),
])
def test_bad_registry_row_is_refused_and_nothing_changes(data_dir, tmp_path, row, message):
    path = tmp_path / "accounts.csv"
    path.write_text(HEADER + row + "\n")
    with pytest.raises(RegistryError, match=message):
        jobs.load_accounts(path)
    assert raw_query("SELECT count(*) FROM account_registry") == [(0,)]
