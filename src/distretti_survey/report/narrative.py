"""The sentences of the talk: key figures, summary, method note, titles, quotes.

Every number in a sentence is read from the wave's indicator table (``analysis.table``,
written as ``indicatori.csv``) through ``indicator_read.lookup``, so what the audience reads
on a slide or in the HTML summary is a row anyone can find in the table. Formats are Italian:
"20,7%", "+5,2 p.p.", "32,7 mln €", "18 di 19 distretti".
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from distretti_survey.report.analysis import WaveAnalysis
from distretti_survey.report.indicator_read import lookup

SYNTHETIC_SUFFIX = " · DATI DIMOSTRATIVI"
UNKNOWN = "n.d."


def pct(value: float | None, decimals: int = 0) -> str:
    """Format a share (0..1) as an Italian percentage.

    Examples
    --------
    >>> pct(0.20660697, 1)
    '20,7%'
    >>> pct(None)
    'n.d.'
    """
    if value is None or pd.isna(value):
        return UNKNOWN
    return f"{value * 100:.{decimals}f}%".replace(".", ",")


def pp(change: float | None, decimals: int = 1) -> str:
    """Format a change of two shares (0..1) in percentage points, with its sign.

    Examples
    --------
    >>> pp(0.052)
    '+5,2 p.p.'
    >>> pp(-0.1)
    '-10,0 p.p.'
    """
    if change is None or pd.isna(change):
        return UNKNOWN
    return f"{change * 100:+.{decimals}f} p.p.".replace(".", ",", 1)


def euro(value: float | None) -> str:
    """Format an amount in euro the Italian way, in millions from one million up.

    Examples
    --------
    >>> euro(32723000)
    '32,7 mln €'
    >>> euro(207500)
    '207.500 €'
    """
    if value is None or pd.isna(value):
        return UNKNOWN
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f} mln €".replace(".", ",")
    return f"{value:,.0f} €".replace(",", ".")


def date_it(iso: str) -> str:
    """Turn an ISO date into dd/mm/yyyy."""
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def names_together(labels: list[str]) -> str:
    """Join labels as «A», «B» e «C»."""
    quoted = [f"«{label}»" for label in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " e " + quoted[-1]


def _row(analysis: WaveAnalysis, indicator: str, item: str = "", district: str = "") -> Any:
    return lookup(analysis.table, indicator, item, district)


def title_and_subtitle(analysis: WaveAnalysis) -> tuple[str, str]:
    """Return the title and subtitle of the deck and the report, from the settings."""
    title = analysis.names.survey_title
    if f"indagine {analysis.wave}" not in title.lower():
        title = f"{title}: indagine {analysis.wave}"
    subtitle = analysis.names.organisation
    if analysis.synthetic:
        subtitle = (subtitle + SYNTHETIC_SUFFIX) if subtitle else SYNTHETIC_SUFFIX[3:]
    return title, subtitle


def response_text(analysis: WaveAnalysis) -> str:
    """Return "k di N distretti intervistati" with the districts not interviewed by name."""
    row = _row(analysis, "districts_interviewed")
    text = f"{int(row.numerator)} di {int(row.denominator)} distretti intervistati"
    response = analysis.indicators["response"]
    missing = response.loc[response["in_registry"] & ~response["interviewed"], "district_name"]
    if len(missing):
        text += f"; non intervistati: {', '.join(map(str, missing))}"
    return text


def budget_text(analysis: WaveAnalysis) -> tuple[str, str]:
    """Return the budget realisation as printed and the sentence of its base."""
    row = _row(analysis, "budget_realisation")
    return pct(row.value), (
        f"del budget previsto ({euro(row.denominator)}) già speso; base: {row.base}"
    )


def late_text(analysis: WaveAnalysis) -> tuple[str, str]:
    """Return the districts with late interventions and the sentence that says when."""
    districts = _row(analysis, "districts_with_late")
    late = _row(analysis, "interventions_late")
    when = (
        f"al {date_it(analysis.reference_date)}"
        if analysis.reference_date
        else "alla data dell'intervista"
    )
    return str(int(districts.value)), (
        f"distretti con interventi in ritardo {when} ({int(late.value)} interventi)"
    )


def key_figures(analysis: WaveAnalysis) -> list[tuple[str, str]]:
    """Return the (big number, text) pairs of the key-figures slide.

    Six figures in two rows of three; the long texts (budget base, names of the districts
    not interviewed) sit in the bottom row, where a longer label has room below it.
    """
    k = analysis.key_figures
    types = ", ".join(f"{n} {t}" for t, n in sorted(k["n_by_type"].items()))
    reply = _row(analysis, "districts_interviewed")
    done = _row(analysis, "interventions_completed_share")
    budget = _row(analysis, "budget_realisation")
    left_out = _row(analysis, "budget_left_out")
    n_left, n_all = int(left_out.numerator), int(left_out.denominator)
    counted = f"su {n_all - n_left} di {n_all} interventi"
    if n_left:
        counted += f"; {n_left} senza importo speso esclusi"
    late_n, late_sentence = late_text(analysis)
    response = analysis.indicators["response"]
    missing = response.loc[response["in_registry"] & ~response["interviewed"], "district_name"]
    last = (
        (str(len(missing)), "non intervistati: " + "; ".join(map(str, missing)))
        if len(missing)
        else (str(k["n_comuni"]), "comuni dei distretti intervistati")
    )
    return [
        (
            f"{int(reply.numerator)} di {int(reply.denominator)}",
            f"distretti intervistati ({types})",
        ),
        (str(int(_row(analysis, "interventions_planned").value)), "interventi programmati"),
        (pct(done.value), f"interventi completati ({int(done.numerator)})"),
        (
            pct(budget.value),
            f"del budget previsto ({euro(budget.denominator)}) già speso, {counted}",
        ),
        (late_n, late_sentence),
        last,
    ]


def coding_note(analysis: WaveAnalysis) -> str:
    """Return what the coded figures rest on, with the agreement as in the table."""
    text = ""
    if analysis.coding.agreement is not None:
        table = analysis.table
        overall = table[table["indicator"].eq("coder_agreement") & table["item"].eq("")]
        if len(overall):
            text = pct(overall.iloc[0]["value"])
    return analysis.coding.note(text)


def _top(frame: pd.DataFrame, key: str, count: str, labels: dict[str, str]) -> tuple[str, int]:
    """Return the most frequent labels (ties named together) and their count."""
    if frame.empty or frame[count].max() <= 0:
        return "", 0
    best = int(frame[count].max())
    tied = frame.loc[frame[count] == best, key]
    return names_together([labels.get(c, c) for c in tied]), best


def closed_and_coded(
    analysis: WaveAnalysis,
    closed: str,
    coded: str,
    closed_labels: str,
    what: tuple[str, str],
) -> str:
    """Return one sentence with the closed question's and the coded answers' first items.

    Both are stated, each with its base: the summary never picks one of the two silently,
    and items tied for first place are named together. ``what`` is the phrase for one item
    and for several ("il più indicato è", "i più indicati sono").
    """
    lab = analysis.labels
    n = analysis.key_figures["n_districts"]
    none = set(analysis.notes.get("none_options", ()))
    parts = []
    for name, frame, key, labels in (
        ("nella domanda a scelta multipla", analysis.indicators[closed], "option", closed_labels),
        ("nelle risposte aperte codificate", analysis.indicators[coded], "code_id", "code"),
    ):
        # "No problem" is an answer, not an item of the ranking: stated apart.
        nothing = frame[frame[key].isin(none)]
        first, k = _top(frame[~frame[key].isin(none)], key, "k", lab[labels])
        if not first:
            parts.append(f"{name} nessuna risposta")
            continue
        tied = " e «" in first
        text = f"{name} {what[tied]} {first} ({k} di {n} distretti{' ciascuno' if tied else ''}"
        for row in nothing.itertuples(index=False):
            code = getattr(row, key)
            text += f"; «{lab[labels].get(code, code)}»: {row.k} di {n}"
        parts.append(text + ")")
    flag = analysis.coding.flag
    return "; ".join(parts) + (f" ({flag})" if flag else "")


def findings_summary(analysis: WaveAnalysis, accounting: Any, findings: Any) -> list[str]:
    """Return the points of the HTML summary ("Sintesi dei risultati")."""
    done = _row(analysis, "interventions_completed_share")
    budget, budget_base = budget_text(analysis)
    late_n, late_sentence = late_text(analysis)
    return [
        f"Risposta: {response_text(analysis)}.",
        f"Interviste lette: {accounting.read}, accettate: {len(accounting.accepted)}, "
        f"scartate: {len(accounting.rejected)}; problemi di compilazione: "
        f"{len(findings.errors)} errori, {len(findings.warnings)} avvisi (dettaglio in "
        "findings.xlsx della validazione).",
        f"Avanzamento: {pct(done.value)} degli interventi completati ({int(done.numerator)} di "
        f"{int(done.denominator)}); {budget} {budget_base}; {late_n} {late_sentence}.",
        "Formazione: "
        + closed_and_coded(
            analysis,
            "training_topics",
            "coded_training",
            "training_topics",
            ("il tema più indicato è", "i temi più indicati sono"),
        )
        + ".",
        "Governance: "
        + closed_and_coded(
            analysis,
            "governance_closed",
            "coded_governance",
            "gov_problems",
            ("la criticità più indicata è", "le criticità più indicate sono"),
        )
        + ".",
        f"Risposte aperte: {coding_note(analysis)[:1].lower()}{coding_note(analysis)[1:]}",
    ]


def method_note(analysis: WaveAnalysis, form_id: str) -> list[str]:
    """Return the points of the method note of the HTML report (counts from the table)."""
    table = analysis.table
    sources = table[table["indicator"] == "final_codes_by_source"]
    counted = zip(sources["item"], sources["value"], strict=True)
    source_text = ", ".join(f"{int(n)} da {s}" for s, n in counted) or "nessuno"
    answers = int(lookup(table, "open_answers")["value"])
    segments = int(lookup(table, "open_segments")["value"])
    late = (
        f"alla data del {date_it(analysis.reference_date)} (data fissata per il report)"
        if analysis.reference_date
        else "alla data dell'intervista di ciascun distretto"
    )
    notes = [
        f"Questionario {form_id}, versione {analysis.version}; ondata {analysis.wave}. "
        f"{response_text(analysis)} (N: distretti del registro nell'ondata).",
        f"Risposte aperte: {answers} risposte, {segments} "
        "segmenti (frasi). Prima codifica con regole sul testo normalizzato, poi decisioni "
        f"dei codificatori. Codici finali: {source_text} (rule = regola non ancora rivista "
        f"da un codificatore). {coding_note(analysis)}",
        "Realizzazione del budget: spesa sul budget previsto di tutti gli interventi "
        "programmati; un intervento non avviato senza importo speso conta 0; un intervento "
        "avviato senza importo speso è escluso (con il suo budget previsto) e segnalato.",
        f"Ritardi: interventi non completati né annullati con data di conclusione prevista "
        f"anteriore {late}.",
        "Domande con scala di giudizio: quote su tutte le risposte e, a parte, sulle sole "
        "risposte valutate (esclusi «non so» e «non applicabile»); le basi sono in tabella.",
        f"Le basi sono indicate sotto ogni tabella e grafico; basi con meno di "
        f"{analysis.notes['threshold']} casi sono segnalate. Tutti i numeri sono in "
        "indicatori.csv.",
    ]
    if analysis.synthetic:
        notes.insert(
            0,
            "DATI DIMOSTRATIVI: le interviste sono sintetiche, generate per provare "
            "il pacchetto; nessun valore descrive i distretti reali.",
        )
    return notes


def quotes(analysis: WaveAnalysis, theme: str, codes: pd.DataFrame) -> list[tuple[str, str]]:
    """Return up to four (quote, who · code) pairs of a theme."""
    theme_codes = set(codes.loc[codes["theme"] == theme, "code_id"])
    picked = analysis.quotes[analysis.quotes["code_id"].isin(theme_codes)]
    picked = picked.drop_duplicates("quote").head(4)
    out = []
    for row in picked.itertuples(index=False):
        # The district is named only where the referent allowed it (quote_district_ok).
        who = analysis.labels["district"].get(row.district_id) if row.district_id else None
        out.append((row.quote, f"{who or 'un referente (distretto non indicato)'} · {row.label}"))
    return out
