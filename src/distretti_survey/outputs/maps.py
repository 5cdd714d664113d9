"""Maps of the province: comuni coloured by district, and a district indicator as a choropleth.

Boundaries are the ISTAT 2023 limits of the province's comuni (``data/reference/
comuni_pv_2023.geojson``, simplified by ``tools/make_map_reference.py``), CC-BY 4.0: every map
carries the credit line `MAP_CREDIT`, drawn by the plotting functions themselves.

The maps are drawn with plain matplotlib (a ``PolyCollection`` of the comuni), not geopandas:
the boundaries are one small GeoJSON in one projection, and reading it needs only ``json``,
while geopandas would add pyogrio, pyproj and shapely (about 100 MB with their GDAL and PROJ
libraries) to every installation for no gain here.

A comune of the registry that merged after 2011 is drawn as the 2023 comune it became (the
ISTAT table's ``confluito_in`` chain, ``Registry.successor``); a 2023 polygon of a comune that
merged later into a member is drawn with that member's district. Plot functions follow
``charts.py``: data in, ``ax=None``, the Axes returned, nothing saved.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from distretti_survey.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BOUNDARIES_FILE = "comuni_pv_2023.geojson"
MAP_CREDIT = "Confini: ISTAT (CC-BY 4.0), via openpolis"
NO_DISTRICT = "#EEEEEE"
NO_VALUE = "#BDBDBD"
EDGE = "#FFFFFF"
# Twenty qualitative colours (Okabe-Ito, then Paul Tol's "muted" and "light"): enough for
# every district of a wave, neighbours told apart by the id written on each district.
DISTRICT_COLOURS = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677",
    "#882255", "#AA4499", "#77AADD", "#EE8866", "#BBCC33", "#FFAABB",
)  # fmt: skip


@dataclass(frozen=True)
class Boundaries:
    """Polygons of the comuni: ISTAT code -> list of rings (each an (n, 2) lon/lat array)."""

    rings: Mapping[str, tuple[np.ndarray, ...]]
    names: Mapping[str, str]
    path: str = ""

    @property
    def codes(self) -> list[str]:
        """Return the ISTAT codes with a polygon, sorted."""
        return sorted(self.rings)


def load_boundaries(path: str | Path | None = None) -> Boundaries:
    """Read the comuni boundaries (default ``data/reference/comuni_pv_2023.geojson``)."""
    from distretti_survey.registry import find_reference_dir

    file = Path(path) if path else find_reference_dir() / BOUNDARIES_FILE
    try:
        collection = json.loads(file.read_text(encoding="utf-8"))
        features = collection["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"Confini dei comuni illeggibili: {file} ({exc}). Rigenerarli con "
            "tools/make_map_reference.py (vedi data/reference/README.md)."
        ) from exc
    rings: dict[str, list[np.ndarray]] = {}
    names: dict[str, str] = {}
    for feature in features:
        props, geom = feature["properties"], feature["geometry"]
        code = str(props["com_istat_code"]).zfill(6)
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        # Outer rings only: the province's comuni have no enclaves worth a hole at this scale.
        rings.setdefault(code, []).extend(np.asarray(p[0], dtype=float) for p in polygons)
        names[code] = str(props.get("name", code))
    return Boundaries({c: tuple(r) for c, r in rings.items()}, names, str(file))


def comune_districts(registry: Any, wave: int, boundaries: Boundaries) -> pd.DataFrame:
    """Return which district each polygon belongs to in ``wave``.

    Returns
    -------
    pandas.DataFrame
        One row per polygon code: ``comune_istat`` (2023 code), ``comune``, ``district_id``
        (empty when in no district) and ``via`` (the registry's code when it differs: a
        comune merged into, or split from, the polygon's comune).
    """
    members = registry.memberships_at(wave)
    member_of = dict(zip(members["comune_istat"], members["district_id"], strict=True))
    district_of: dict[str, tuple[str, str]] = {}
    for code, district in sorted(member_of.items()):
        target = code if code in boundaries.rings else registry.successor(code)
        if target in boundaries.rings:
            district_of.setdefault(target, (district, "" if target == code else code))
    for code in boundaries.codes:  # a 2023 comune already merged, in ``wave``, into a member
        if code not in district_of:
            successor = registry.successor(code, wave)
            if successor in member_of:
                district_of[code] = (member_of[successor], successor)
    rows = [
        {
            "comune_istat": code,
            "comune": boundaries.names[code],
            "district_id": district_of.get(code, ("", ""))[0],
            "via": district_of.get(code, ("", ""))[1],
        }
        for code in boundaries.codes
    ]
    return pd.DataFrame(rows, columns=["comune_istat", "comune", "district_id", "via"])


def _prepare_axes(ax: Axes | None, boundaries: Boundaries) -> Axes:
    from distretti_survey.outputs.charts import new_figure

    if ax is None:
        ax = new_figure()[1]
    lat = np.mean([r[:, 1].mean() for rings in boundaries.rings.values() for r in rings])
    ax.set_aspect(1 / math.cos(math.radians(lat)))  # degrees of longitude shrink northwards
    ax.set_axis_off()
    return ax


def _draw(ax: Axes, boundaries: Boundaries, colours: Mapping[str, str]) -> None:
    from matplotlib.collections import PolyCollection

    polys, faces = [], []
    for code in boundaries.codes:
        for ring in boundaries.rings[code]:
            polys.append(ring)
            faces.append(colours.get(code, NO_DISTRICT))
    ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors=EDGE, linewidths=0.4))
    ax.autoscale_view()


def _credit(ax: Axes) -> None:
    ax.text(
        1.0, 0.0, MAP_CREDIT, transform=ax.transAxes, ha="right", va="bottom", fontsize=11,
        color="#555555", gid="map-credit",
    )  # fmt: skip


def _centroid(rings: list[np.ndarray]) -> tuple[float, float]:
    """Return the area-weighted centroid of rings (shoelace formula)."""
    total, cx, cy = 0.0, 0.0, 0.0
    for ring in rings:
        x, y = ring[:, 0], ring[:, 1]
        cross = x * np.roll(y, -1) - np.roll(x, -1) * y
        area = cross.sum() / 2
        if area == 0:
            continue
        total += area
        cx += ((x + np.roll(x, -1)) * cross).sum() / 6
        cy += ((y + np.roll(y, -1)) * cross).sum() / 6
    return (cx / total, cy / total) if total else tuple(np.vstack(rings).mean(axis=0))


def _district_ids(ax: Axes, assignment: pd.DataFrame, boundaries: Boundaries) -> None:
    """Write each district's id inside its area, apart from the other ids.

    The id goes at the centre of the member comune nearest the district's centroid (a
    district around a town has its centroid in the town, another district); a label that
    would touch one already placed moves to the next member comune. Districts with fewer
    comuni choose first, as they have fewer places to go.
    """
    import matplotlib.patheffects as pe

    districts = assignment[assignment["district_id"] != ""].groupby("district_id")
    every = np.vstack([r for rings in boundaries.rings.values() for r in rings])
    gap = 0.05 * float(np.ptp(every[:, 0]))  # about the width of a bold "D16" at 11 pt
    spots: dict[str, list[tuple[float, float]]] = {}
    for district, group in districts:
        codes = [c for c in group["comune_istat"] if boundaries.rings.get(c)]
        if not codes:
            continue
        centre = np.array(_centroid([r for c in codes for r in boundaries.rings[c]]))
        own = [_centroid(boundaries.rings[c]) for c in codes]
        spots[district] = sorted(own, key=lambda p: float(np.hypot(*(np.array(p) - centre))))
    placed: list[tuple[float, float]] = []
    for district in sorted(spots, key=lambda d: (len(spots[d]), d)):
        free = (p for p in spots[district] if all(math.dist(p, q) >= gap for q in placed))
        x, y = next(free, spots[district][0])
        placed.append((x, y))
        ax.text(
            x, y, district, ha="center", va="center", fontsize=11, fontweight="bold",
            color="#222222", path_effects=[pe.withStroke(linewidth=3, foreground="white")],
        )  # fmt: skip


def _styled(function):
    """Draw inside the house style (legend without frame, fonts), as the charts do."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from distretti_survey.outputs.charts import style_context

        with style_context():
            return function(*args, **kwargs)

    return wrapper


@_styled
def district_map(
    assignment: pd.DataFrame,
    boundaries: Boundaries,
    *,
    names: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw the comuni coloured by district, each district's id on it, and a legend.

    ``assignment`` comes from `comune_districts`; ``names`` maps district id -> name for the
    legend. Comuni in no district are light grey.
    """
    from matplotlib.patches import Patch

    from distretti_survey.outputs.charts import wrap

    ax = _prepare_axes(ax, boundaries)
    districts = sorted(d for d in assignment["district_id"].unique() if d)
    colour_of = {d: DISTRICT_COLOURS[i % len(DISTRICT_COLOURS)] for i, d in enumerate(districts)}
    pairs = zip(assignment["comune_istat"], assignment["district_id"], strict=True)
    colours = {code: colour_of[d] for code, d in pairs if d}
    _draw(ax, boundaries, colours)
    _district_ids(ax, assignment, boundaries)
    handles = [
        Patch(facecolor=colour_of[d], label=wrap(f"{d} {(names or {}).get(d, '')}".strip(), 40))
        for d in districts
    ]
    handles.append(Patch(facecolor=NO_DISTRICT, edgecolor="#BBBBBB", label="nessun distretto"))
    ax.legend(
        handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=10,
        handlelength=1.0, ncols=1 if len(handles) <= 20 else 2,
    )  # fmt: skip
    _credit(ax)
    return ax


@_styled
def district_choropleth(
    values: Mapping[str, float],
    assignment: pd.DataFrame,
    boundaries: Boundaries,
    *,
    label: str = "",
    percent: bool = True,
    cmap: str = "Blues",
    ax: Axes | None = None,
) -> Axes:
    """Draw a district indicator (e.g. the share of completed interventions) as a choropleth.

    ``values`` maps district id -> value (a share in 0..1 when ``percent``); a district with
    no value is mid grey, comuni in no district light grey. The colour bar shows ``label``.
    """
    import matplotlib as mpl
    from matplotlib.patches import Patch

    ax = _prepare_axes(ax, boundaries)
    given = {d: float(v) for d, v in values.items() if v is not None and not pd.isna(v)}
    top = max(given.values(), default=1.0)
    norm = mpl.colors.Normalize(vmin=0.0, vmax=1.0 if percent else (top or 1.0))
    # From a light tint, not white: a district at 0% must not look like the background.
    colormap = mpl.colors.ListedColormap(mpl.colormaps[cmap](np.linspace(0.18, 1.0, 256)))
    colours = {}
    for code, district in zip(assignment["comune_istat"], assignment["district_id"], strict=True):
        if district:
            value = given.get(district)
            colours[code] = NO_VALUE if value is None else mpl.colors.to_hex(colormap(norm(value)))
    _draw(ax, boundaries, colours)
    _district_ids(ax, assignment, boundaries)
    bar = ax.figure.colorbar(
        mpl.cm.ScalarMappable(norm=norm, cmap=colormap), ax=ax, shrink=0.7, pad=0.02
    )
    bar.set_label(label)
    ax.set_anchor("C")  # the colour bar pulls the map to the right otherwise
    if percent:
        bar.ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(xmax=1.0, decimals=0))
    ax.legend(
        handles=[
            Patch(facecolor=NO_VALUE, label="distretto senza dato"),
            Patch(facecolor=NO_DISTRICT, edgecolor="#BBBBBB", label="nessun distretto"),
        ],
        loc="lower left", fontsize=11, handlelength=1.0,
    )  # fmt: skip
    _credit(ax)
    return ax


def map_figures(
    registry: Any,
    wave: int,
    completion: pd.DataFrame,
    *,
    synthetic: bool,
    names: Mapping[str, str] | None = None,
    boundaries: Boundaries | None = None,
    source: str | None = None,
) -> dict[str, Figure]:
    """Return the finished map figures of a wave, by file stem, ready for ``save_figure``.

    Parameters
    ----------
    registry
        The district registry (``load_registry``).
    wave
        The survey wave (the registry's memberships of that year).
    completion
        ``indicators.completion`` by district: ``district_id``, ``share`` (``n`` shown in the
        title's base when present).
    synthetic
        Mark the figures "DATI DIMOSTRATIVI".
    names
        District id -> name for the legend (default: the registry's names in ``wave``).
    boundaries
        Default: ``comuni_pv_2023.geojson`` beside the registry's CSV, else in the
        ``data/reference`` found from the working folder.
    source
        The source line under each map (from the questionnaire's settings); default the
        generic one of ``charts.source_line``.
    """
    from distretti_survey.outputs.charts import finish_figure, new_figure

    if boundaries is None:
        beside = Path(getattr(registry, "path", "") or ".").parent / BOUNDARIES_FILE
        boundaries = load_boundaries(beside if beside.is_file() else None)
    assignment = comune_districts(registry, wave, boundaries)
    if names is None:
        districts = registry.districts(wave)
        names = dict(zip(districts["district_id"], districts["district_name"], strict=True))
    figures = {}
    fig, ax = new_figure()
    district_map(assignment, boundaries, names=names, ax=ax)
    members = assignment[assignment["district_id"] != ""]
    figures["mappa_distretti"] = finish_figure(
        fig,
        title=f"I distretti del commercio nel {wave}: {members['district_id'].nunique()} "
        f"distretti, {len(members)} comuni",
        source=source or wave,
        synthetic=synthetic,
    )
    fig, ax = new_figure()
    shares = dict(zip(completion["district_id"], completion["share"], strict=True))
    district_choropleth(shares, assignment, boundaries, label="interventi completati", ax=ax)
    figures["mappa_completamento"] = finish_figure(
        fig,
        title=f"Quota di interventi completati per distretto, {wave}",
        source=source or wave,
        synthetic=synthetic,
    )
    return figures
