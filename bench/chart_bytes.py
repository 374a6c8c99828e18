"""What each page sends over the websocket, by element: ``python bench/chart_bytes.py [--top N]``.

Issue #16 ("speed as a person feels it"): the bytes a rerun sends matter as much as the
server time. With ``RADSOME_DATA=<folder>`` (a built warehouse, e.g. a ``bench/run.py``
folder) and ``RADSOME_OPEN_DEMO=1``, every page is opened under ``streamlit.testing``
(AppTest, as ``bench/run.py`` does: ``AppTest.from_file("dashboard.py")`` then
``at.switch_page(page)``) and the protobuf ``ByteSize()`` of every element in its tree
(``at._tree``) is summed: all elements, and the Vega-Lite charts among them. Then the ``--top``
biggest Vega-Lite charts are listed with each layer's data: rows, fields and bytes, inline
(``data.values``: its JSON) or named (``data.name``: the dataset's Arrow bytes in the proto;
a dataset shared by several layers is counted under each, marked ``shared``).

A page's figures are what its first render sends; a sidebar change resends every element
that changed, so a page's chart bytes are about what one filter change costs.

Example (the 1 M-post demo warehouse; copy it first if anything might write to it)::

    RADSOME_DATA=/tmp/copy/data RADSOME_OPEN_DEMO=1 nice -n 19 python bench/chart_bytes.py --top 5
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["dashboard.py", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))]


def elements(node):
    """Every element (not block) under ``node`` of an AppTest tree."""
    children = getattr(node, "children", None)
    if children is not None:
        for child in children.values():
            yield from elements(child)
    elif getattr(node, "proto", None) is not None:
        yield node


def chart_layers(proto) -> list[dict]:
    """Each layer of a Vega-Lite chart proto: its mark, rows, fields, data bytes and source."""
    from ui.vega_marks import flat_layers  # noqa: PLC0415 - after sys.path has the repository
    spec = json.loads(proto.spec)
    spec["layer"] = flat_layers(spec)
    named = {d.name: d.data.data for d in proto.datasets}
    uses = Counter(layer.get("data", {}).get("name") for layer in spec.get("layer", []))
    out = []
    for layer in spec.get("layer", []):
        data = layer.get("data") or {}
        if "values" in data:
            values = data["values"]
            fields = sorted({k for r in values for k in r})
            out.append({"mark": layer["mark"]["type"], "rows": len(values), "fields": fields,
                        "bytes": len(json.dumps(values)), "source": "inline"})
        elif "name" in data:
            import pyarrow as pa  # noqa: PLC0415 - only for named datasets
            table = pa.ipc.open_stream(named.get(data["name"], b"")).read_all() if named.get(data["name"]) else None
            out.append({"mark": layer["mark"]["type"], "rows": table.num_rows if table is not None else 0,
                        "fields": [f for f in (table.column_names if table is not None else []) if f != "__index_level_0__"],
                        "bytes": len(named.get(data["name"], b"")),
                        "source": "shared" if uses[data["name"]] > 1 else "named"})
    return out


def measure(page: str) -> dict:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    if page != "dashboard.py":
        at.switch_page(page)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    total, charts = 0, []
    for el in elements(at._tree):
        size = el.proto.ByteSize()
        total += size
        if getattr(el, "type", None) == "vega_lite_chart":
            charts.append({"key": el.key, "bytes": size, "spec_bytes": len(el.proto.spec.encode()),
                           "dataset_bytes": sum(len(d.data.data) for d in el.proto.datasets),
                           "layers": chart_layers(el.proto)})
    return {"total": total, "vega": sum(c["bytes"] for c in charts), "charts": charts}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=5, help="the biggest charts to list with their layers")
    parser.add_argument("--pages", nargs="*", default=PAGES, help="pages (default: all)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    found = {page: measure(page) for page in args.pages}
    print(f"{'page':40} {'all KB':>8} {'charts KB':>10} {'charts':>7}")
    for page, m in found.items():
        print(f"{page:40} {m['total'] / 1000:8.1f} {m['vega'] / 1000:10.1f} {len(m['charts']):7d}")
    biggest = sorted(((c, p) for p, m in found.items() for c in m["charts"]), key=lambda cp: -cp[0]["bytes"])
    for chart, page in biggest[:args.top]:
        print(f"\n{page} {chart['key']}: {chart['bytes'] / 1000:.1f} KB "
              f"(spec {chart['spec_bytes'] / 1000:.1f} KB, datasets {chart['dataset_bytes'] / 1000:.1f} KB)")
        for layer in chart["layers"]:
            if layer["rows"] > 1 or layer["bytes"] > 200:
                print(f"  {layer['mark']:6} {layer['rows']:6d} rows {layer['bytes'] / 1000:8.1f} KB "
                      f"{layer['source']:6} {layer['fields']}")
    if args.json:
        args.json.write_text(json.dumps(found, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
