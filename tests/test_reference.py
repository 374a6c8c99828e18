"""Reference data: the shipped default, and NHS ODS's own etr.csv format."""
from __future__ import annotations

import datetime as dt

import pytest

from ingest import jobs
from store.reference import ReferenceError, default_regions, default_trusts, parse_etr
from tests.support import raw_query, realdata


def test_default_covers_every_region():
    regions = default_regions()
    assert set(regions["region_code"]) == {
        "Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63", "S92000003", "W92000004", "N92000002"
    }
    trusts = default_trusts()
    assert set(trusts["region_code"]) == set(regions["region_code"])
    assert trusts["ods_code"].is_unique


def test_real_etr_snapshot_parses():
    frame = parse_etr(realdata("reference/ods_etr_2026_snapshot.csv"))
    assert len(frame) == 274
    by_code = frame.set_index("ods_code")
    assert by_code.loc["RR8", "region_code"] == "Y63"
    assert by_code.loc["RR8", "name"] == "LEEDS TEACHING HOSPITALS NHS TRUST"
    # a trust that closed (merged away) keeps its dates, so history attributes by date
    assert by_code.loc["R1C", "close_date"] == dt.date(2024, 9, 30)
    assert by_code.loc["R1C", "open_date"] == dt.date(2011, 4, 1)
    # Welsh trusts have no NHS England region: their GOR code places them in Wales
    assert by_code.loc["RQF", "region_code"] == "W92000004"
    assert by_code.loc["RQF", "nation"] == "Wales"


def test_cli_reference_reload_keeps_devolved_boards(data_dir):
    path = realdata("reference/ods_etr_2026_snapshot.csv")
    assert jobs.load_reference(path) == 274
    assert raw_query("SELECT count(*) FROM ref_trusts WHERE nation = 'England'") == [(271,)]
    assert raw_query("SELECT count(*) FROM ref_trusts WHERE nation = 'Scotland'") == [(14,)]
    assert raw_query("SELECT close_date::VARCHAR FROM ref_trusts WHERE ods_code = 'R0C'") == [("2020-03-26",)]


@pytest.mark.parametrize("line, message", [
    ('"RXX","NAME","Y56"\n', "expected the 27 fields of ODS etr.csv, found 3"),
    ('"","NAME","Y56"' + ',""' * 24 + "\n", "field 'organisation code' is empty"),
    ('"RXX","NAME","Y99"' + ',""' * 24 + "\n", "unknown region 'Y99'"),
    ('"RXX","NAME","Y56","Q1","","","","","","E1","2024-01-01"' + ',""' * 16 + "\n", "field 'open date'"),
])
def test_bad_etr_names_line_and_field(tmp_path, line, message):
    path = tmp_path / "etr.csv"
    good = '"RAA","GOOD","Y56"' + ',""' * 24 + "\n"
    path.write_text(good + line)
    with pytest.raises(ReferenceError, match=f"etr.csv:2: .*{message}"):
        parse_etr(path)
