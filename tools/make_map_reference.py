"""Build data/reference/comuni_pv_2023.geojson: the comuni boundaries, simplified for maps.

Source: ISTAT administrative limits 2023 of the Provincia di Pavia as published by openpolis
(geojson-italy, tag 2023.1, ``geojson/limits_P_18_municipalities.geojson``), CC-BY 4.0: every
map drawn from it credits "Confini: ISTAT (CC-BY 4.0), via openpolis".

Run once by a developer (shapely is a dev dependency; the package draws the maps with plain
matplotlib from the simplified file; OUT defaults to data/reference/comuni_pv_2023.geojson)::

    .venv/bin/python tools/make_map_reference.py SOURCE.geojson [OUT.geojson]

Each polygon is simplified with shapely's ``simplify(preserve_topology=True)`` (tolerance
0.0004 degrees, about 30-45 m, invisible at the scale of a province map) and its coordinates
rounded to 4 decimals (about 10 m); only ``com_istat_code`` and ``name`` are kept. The output is
written with sorted features and fixed formatting, so a rerun gives the same bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TOLERANCE = 0.0004
DIGITS = 4
CREDIT = "Confini: ISTAT (CC-BY 4.0), via openpolis"
SOURCE = (
    "ISTAT, limiti amministrativi 2023, via openpolis geojson-italy (tag 2023.1, "
    "limits_P_18_municipalities.geojson), semplificati"
)


def _round(geometry: dict) -> dict:
    def ring(coords):
        out = [[round(x, DIGITS), round(y, DIGITS)] for x, y in coords]
        # Drop consecutive duplicates that rounding creates; keep the ring closed.
        dedup = [p for i, p in enumerate(out) if i == 0 or p != out[i - 1]]
        return dedup

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]],
    }


def simplify(source: dict) -> dict:
    """Return the simplified FeatureCollection (pure: dict in, dict out)."""
    from shapely.geometry import mapping, shape

    features = []
    for feature in source["features"]:
        props = feature["properties"]
        geom = shape(feature["geometry"]).simplify(TOLERANCE, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"com_istat_code": props["com_istat_code"], "name": props["name"]},
                "geometry": _round(json.loads(json.dumps(mapping(geom)))),
            }
        )
    features.sort(key=lambda f: f["properties"]["com_istat_code"])
    return {
        "type": "FeatureCollection",
        "credit": CREDIT,
        "source": SOURCE,
        "licence": "CC-BY 4.0",
        "features": features,
    }


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    source = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    target = Path(argv[1] if len(argv) > 1 else "data/reference/comuni_pv_2023.geojson")
    out = simplify(source)
    lines = ",\n".join(
        json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in out["features"]
    )
    head = {k: v for k, v in out.items() if k != "features"}
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n' + lines + "\n]}\n"
    target.write_text(text, encoding="utf-8")
    print(f"{len(out['features'])} comuni, {target.stat().st_size / 1024:.0f} KB -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
