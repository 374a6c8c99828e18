"""NHS reference data: regions and trusts.

``python -m ingest reference --etr PATH`` loads NHS ODS's own ``etr.csv`` (NHS trusts: 27
fields, no header), so a service can refresh the table from the official download. A default
table ships in ``store/reference/`` so the demo works offline; it is loaded into the raw
store the first time anything needs it.
"""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd

from store.errors import InputError

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
DEFAULT_REGIONS = REFERENCE_DIR / "regions.csv"
DEFAULT_TRUSTS = REFERENCE_DIR / "trusts.csv"

ETR_FIELDS = 27
# etr.csv's GOR code for organisations outside NHS England's regions (its national grouping
# is blank for them, e.g. Velindre NHS Trust in Wales).
GOR_TO_REGION = {"W": "W92000004", "S": "S92000003", "N": "N92000002", "Z": "N92000002"}
REGION_NATION = {
    "Y56": "England", "Y58": "England", "Y59": "England", "Y60": "England",
    "Y61": "England", "Y62": "England", "Y63": "England",
    "S92000003": "Scotland", "W92000004": "Wales", "N92000002": "Northern Ireland",
}
TRUST_COLUMNS = [
    "ods_code", "name", "region_code", "icb_code", "postcode", "open_date", "close_date", "nation",
]


class ReferenceError(InputError):
    """A reference file that cannot be loaded; the message names file, line and field."""


def _ods_date(value: str, path: Path, line: int, field: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise ReferenceError(
            f"{path}:{line}: field {field!r}: {value!r} is not a date in ODS's YYYYMMDD form"
        ) from None


def parse_etr(path: Path) -> pd.DataFrame:
    """Parse NHS ODS ``etr.csv`` into one row per trust (columns :data:`TRUST_COLUMNS`)."""
    path = Path(path)
    rows = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for line, fields in enumerate(csv.reader(handle), start=1):
                if not fields or all(not f.strip() for f in fields):
                    continue
                if len(fields) != ETR_FIELDS:
                    raise ReferenceError(
                        f"{path}:{line}: expected the {ETR_FIELDS} fields of ODS etr.csv, "
                        f"found {len(fields)}"
                    )
                code, name = fields[0].strip(), fields[1].strip()
                if not code:
                    raise ReferenceError(f"{path}:{line}: field 'organisation code' is empty")
                if not name:
                    raise ReferenceError(f"{path}:{line}: field 'name' is empty")
                region = fields[2].strip() or GOR_TO_REGION.get(fields[23].strip(), "")
                if region not in REGION_NATION:
                    raise ReferenceError(
                        f"{path}:{line}: field 'national grouping': unknown region "
                        f"{fields[2].strip()!r} (GOR code {fields[23].strip()!r})"
                    )
                rows.append({
                    "ods_code": code,
                    "name": name,
                    "region_code": region,
                    "icb_code": fields[3].strip() or None,
                    "postcode": fields[9].strip() or None,
                    "open_date": _ods_date(fields[10], path, line, "open date"),
                    "close_date": _ods_date(fields[11], path, line, "close date"),
                    "nation": REGION_NATION[region],
                })
    except UnicodeDecodeError as exc:
        raise ReferenceError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise ReferenceError(f"{path}: not a CSV file ({exc})") from None
    if not rows:
        raise ReferenceError(f"{path}: no trusts found")
    frame = pd.DataFrame(rows, columns=TRUST_COLUMNS)
    dupes = frame[frame.duplicated("ods_code")]
    if len(dupes):
        raise ReferenceError(f"{path}: organisation code {dupes.iloc[0]['ods_code']!r} appears twice")
    return frame


def default_trusts() -> pd.DataFrame:
    frame = pd.read_csv(DEFAULT_TRUSTS, dtype=str, keep_default_na=False)
    for column in ("open_date", "close_date"):
        frame[column] = pd.to_datetime(frame[column].replace("", None)).dt.date
    return frame.replace({"": None})[TRUST_COLUMNS]


def default_regions() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_REGIONS, dtype=str)


def load_trusts(con, trusts: pd.DataFrame, origin: str, run_id: str) -> int:
    """Replace the real organisations with ``trusts`` inside the caller's transaction. The
    demo's fictional organisations (``fictional``) are kept: they are never in ODS's files."""
    con.register("incoming_trusts", trusts)
    try:
        con.execute("DELETE FROM ref_trusts WHERE NOT fictional")
        con.execute(
            "INSERT INTO ref_trusts (ods_code, name, region_code, icb_code, postcode, open_date,"
            " close_date, nation, origin, run_id, fictional) SELECT ods_code, name, region_code, icb_code,"
            " postcode, open_date::DATE, close_date::DATE, nation, $origin, $run_id, false FROM incoming_trusts",
            {"origin": origin, "run_id": run_id},
        )
    finally:
        con.unregister("incoming_trusts")
    return len(trusts)


def add_fictional_trusts(con, trusts: pd.DataFrame, origin: str, run_id: str) -> int:
    """Add (or refresh) invented organisations, marked ``fictional``, beside the real ones,
    inside the caller's transaction. ``trusts`` has ods_code, name, region_code and nation;
    a code that names a real organisation is refused, so no invented outcome is ever shown
    under a real organisation's name."""
    con.register("incoming_fictional", trusts[["ods_code", "name", "region_code", "nation"]])
    try:
        clash = con.execute(
            "SELECT r.ods_code FROM ref_trusts r JOIN incoming_fictional i USING (ods_code)"
            " WHERE NOT r.fictional ORDER BY 1 LIMIT 1").fetchall()
        if clash:
            raise InputError(f"fictional trust code {clash[0][0]!r} is a real organisation's code")
        con.execute("DELETE FROM ref_trusts WHERE fictional AND ods_code IN (SELECT ods_code FROM incoming_fictional)")
        con.execute(
            "INSERT INTO ref_trusts (ods_code, name, region_code, icb_code, postcode, open_date,"
            " close_date, nation, origin, run_id, fictional) SELECT ods_code, name, region_code, NULL, NULL,"
            " NULL, NULL, nation, $origin, $run_id, true FROM incoming_fictional",
            {"origin": origin, "run_id": run_id},
        )
    finally:
        con.unregister("incoming_fictional")
    return len(trusts)


def ensure_reference(con) -> None:
    """Load the shipped defaults into an empty raw store (the demo works offline)."""
    if con.execute("SELECT count(*) FROM ref_regions").fetchall()[0][0] == 0:
        regions = default_regions()
        con.register("incoming_regions", regions)
        con.execute("INSERT INTO ref_regions SELECT region_code, name, nation, ons_code FROM incoming_regions")
        con.unregister("incoming_regions")
    if con.execute("SELECT count(*) FROM ref_trusts WHERE NOT fictional").fetchall()[0][0] == 0:
        load_trusts(con, default_trusts(), str(DEFAULT_TRUSTS.name), "default")
