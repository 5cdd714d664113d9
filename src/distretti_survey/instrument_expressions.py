"""Check the expressions of a questionnaire when it loads: grammar, names, circular ``relevant``.

Every ``relevant``, ``constraint`` and ``calculation`` is compiled with the package's XPath
parser (``xpath.compile_expression``): what it cannot read (unknown functions, paths, Python
such as ``__import__('os')``, nesting too deep) becomes a finding naming sheet, row and column,
so no expression is ever skipped while interviews are checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from distretti_survey.instrument import HIDDEN_TYPES, Question, Section
from distretti_survey.instrument_checks import Collector, Sheet
from distretti_survey.xpath import FUNCTIONS, ExprError, compile_expression

_COLUMNS = ("relevant", "constraint", "soft_constraint", "calculation")
_SUPPORTED = ", ".join(sorted({*FUNCTIONS, "if", "today", "now"}))


def check_expressions(
    sheet: Sheet, questions: Sequence[Question], sections: Sequence[Section], out: Collector
) -> None:
    """Compile every expression of the survey sheet; report what cannot be evaluated."""
    known = {q.name for q in questions} | {s.name for s in sections}
    # calculate and metadata fields hold no answer in a workbook: a condition on them
    # would silently read "" for every interview
    no_value = {q.name: q.type for q in questions if q.type in HIDDEN_TYPES}
    items: list[tuple[str, int, str, str]] = []  # name, row, column, expression
    for q in questions:
        items.extend((q.name, q.row, c, getattr(q, c)) for c in _COLUMNS if getattr(q, c))
    items.extend((s.name, s.row, "relevant", s.relevant) for s in sections if s.relevant)
    for name, row, column, text in items:
        try:
            compiled = compile_expression(text)
        except ExprError as exc:
            out.add(
                "survey",
                sheet.cell(column, row),
                f"Espressione non supportata nella colonna «{column}» di «{name}»: {exc}.",
                question=name,
                value=text,
                suggestion="Riscrivere con ${nome}, confronti, and/or, + - * div mod e le "
                f"funzioni supportate ({_SUPPORTED}).",
            )
            continue
        for ref in compiled.refs:
            if ref in no_value:
                out.add(
                    "survey",
                    sheet.cell(column, row),
                    f"La colonna «{column}» di «{name}» usa ${{{ref}}}, un campo "
                    f"«{no_value[ref]}» che non ha valore nei dati da validare.",
                    question=name,
                    value=text,
                    suggestion="Riferirsi alle domande da cui il campo è calcolato.",
                )
            elif ref not in known:
                out.add(
                    "survey",
                    sheet.cell(column, row),
                    f"La colonna «{column}» di «{name}» usa ${{{ref}}}, che non è una domanda "
                    "del questionario.",
                    question=name,
                    value=text,
                    suggestion="Correggere il nome della domanda.",
                )
    for q in questions:
        if any(t for _, t in q.constraint_messages) and not q.constraint:
            out.add(
                "survey",
                sheet.cell("constraint", q.row),
                f"«{q.name}» ha un messaggio di vincolo ma nessun vincolo.",
                question=q.name,
                suggestion="Scrivere il vincolo nella colonna constraint o togliere il messaggio.",
            )
    _check_cycles(sheet, questions, sections, out)


def _dependencies(
    questions: Sequence[Question], sections: Sequence[Section]
) -> dict[str, list[str]]:
    """Return name -> the names its relevance depends on (its condition's names, its section)."""
    graph: dict[str, list[str]] = {}
    for item in (*sections, *questions):
        deps: list[str] = []
        if item.relevant:
            with suppress(ExprError):  # already reported
                deps.extend(compile_expression(item.relevant).refs)
        parent = item.parent if isinstance(item, Section) else (item.sections or (None,))[-1]
        if parent:
            deps.append(parent)
        graph[item.name] = deps
    return graph


def _check_cycles(
    sheet: Sheet, questions: Sequence[Question], sections: Sequence[Section], out: Collector
) -> None:
    graph = _dependencies(questions, sections)
    rows = {item.name: item.row for item in (*questions, *sections)}
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in graph:
        if state.get(start):
            continue
        path: list[str] = [start]
        todo = [iter(graph[start])]
        state[start] = 1
        while todo:  # iterative depth-first search: questionnaires may have thousands of rows
            nxt = next(todo[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                todo.pop()
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    first = min(cycle, key=lambda n: rows.get(n, 0))
                    at = cycle.index(first)  # start the loop at the row met first
                    cycle = cycle[at:] + cycle[:at]
                    shown = " → ".join([*cycle, first])
                    out.add(
                        "survey",
                        sheet.cell("relevant", rows.get(first, 1)),
                        f"Condizioni «relevant» circolari: {shown}. Nessuna delle domande "
                        "può essere mostrata.",
                        question=first,
                        value=shown,
                        suggestion="Togliere la dipendenza di una domanda dall'altra.",
                    )
            elif not state.get(nxt) and nxt in graph:
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(graph[nxt]))
