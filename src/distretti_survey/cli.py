"""Command line: ``distretti-survey SUBCOMMAND ...``; the only layer that prints and exits.

User mistakes (``DistrettiError``) end with a one-line Italian message and a non-zero exit
code, never a traceback. Stages are imported inside each command so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from distretti_survey import __version__
from distretti_survey.errors import DistrettiError


def _cmd_registry_check(args: argparse.Namespace) -> int:
    from distretti_survey.registry import load_registry
    from distretti_survey.registry_check import check_registry, registry_summary

    registry = load_registry(args.file)
    findings = check_registry(registry)
    summary = registry_summary(registry)
    print(f"Registro: {registry.path}")
    print("ondata  tipo    distretti  comuni")
    for row in summary.itertuples():
        print(f"{row.wave:<7} {row.type:<7} {row.districts:>9} {row.comuni:>7}")
    for finding in findings:
        print(finding.one_line())
    n_err, n_warn = len(findings.errors), len(findings.warnings)
    print(f"Controlli: {n_err} errori, {n_warn} avvisi.")
    return 1 if findings.has_errors else 0


def _cmd_template(args: argparse.Namespace) -> int:
    from distretti_survey.instrument import load_instrument
    from distretti_survey.registry import load_registry
    from distretti_survey.templates import build_templates

    instrument = load_instrument(_find_questionnaire(args.wave_dir, None))
    districts = load_registry(args.registry).districts(instrument.wave)
    if args.district:
        districts = districts[districts["district_id"].isin(args.district)]
    paths = build_templates(instrument, districts, args.out, master=args.master)
    print(
        f"Questionario {instrument.form_id} versione {instrument.version}, ondata "
        f"{instrument.wave}: {len(paths)} cartelle di lavoro in {args.out}"
    )
    return 0


def _find_questionnaire(path: str, explicit: str | None):
    """Return the questionnaire for PATH: explicit, beside the data, or in a parent folder."""
    from pathlib import Path

    from distretti_survey.errors import InputError

    if explicit:
        return Path(explicit)
    start = Path(path)
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents[:2]):
        if (candidate / "questionnaire.xlsx").is_file():
            return candidate / "questionnaire.xlsx"
    raise InputError(
        f"Nessun questionnaire.xlsx accanto a {path}: indicarlo con --questionnaire FILE."
    )


def _default_out(kind: str, wave: int | None) -> str:
    return f"data/interim/{wave or 'ondata'}/{kind}"


def _read(args: argparse.Namespace):
    from distretti_survey.ingest import read_wave
    from distretti_survey.instrument import load_instrument
    from distretti_survey.registry import load_registry

    instrument = load_instrument(_find_questionnaire(args.path, args.questionnaire))
    registry = load_registry(args.registry)
    return instrument, read_wave(args.path, instrument, registry)


def _print_ingest(result) -> None:
    acc = result.accounting
    print(
        f"File letti: {len(acc.files)} (non leggibili: {len(acc.files_failed)}); interviste "
        f"lette: {acc.read}, accettate: {len(acc.accepted)}, scartate: {len(acc.rejected)}."
    )
    for rejection in acc.rejected:
        print(f"  scartata {rejection.source} ({rejection.district_id}): {rejection.reason}")
    if acc.blank_rows:
        print(f"Righe o file senza risposte (non sono interviste): {len(acc.blank_rows)}.")
        for blank in acc.blank_rows:
            print(f"  senza risposte: {blank.where()} ({blank.district_id})")
    print(
        f"Problemi: {len(result.findings.errors)} errori, {len(result.findings.warnings)} avvisi."
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    from distretti_survey.ingest import write_outputs

    instrument, result = _read(args)
    out = args.out or _default_out("validate", instrument.wave)
    write_outputs(result, out)
    _print_ingest(result)
    for finding in result.findings.errors[: args.show]:
        print("  " + finding.one_line())
    print(f"Rapporto completo: {out}/findings.xlsx e {out}/findings.csv")
    return 1 if result.findings.has_errors else 0


def _cmd_code(args: argparse.Namespace) -> int:
    import pandas as pd

    from distretti_survey.coding.run import code_wave, read_decisions, write_coding
    from distretti_survey.coding.suggest import split_segments
    from distretti_survey.coding.workbooks import read_coder_workbook
    from distretti_survey.errors import DistrettiError
    from distretti_survey.findings import Findings

    instrument, result = _read(args)
    if args.simulate and not instrument.synthetic:
        raise DistrettiError(
            "--simulate è ammesso solo su dati dimostrativi (settings: synthetic = yes): "
            "i codificatori simulati non sostituiscono quelli reali."
        )
    frame = instrument.coding_frame
    out = args.out or _default_out("coding", instrument.wave)
    earlier = None
    if args.reuse:
        earlier = pd.concat([read_decisions(p) for p in args.reuse], ignore_index=True)
    segments = split_segments(result.data.open_answers)
    coder_decisions, findings = [], Findings()
    for path in args.coder or ():
        decisions, found = read_coder_workbook(path, segments, frame)
        coder_decisions.append(decisions)
        findings.extend(found)
    coding = code_wave(
        result.data.open_answers,
        frame,
        earlier_decisions=earlier,
        coder_decisions=coder_decisions,
        simulate_seed=args.seed if args.simulate else None,
    )
    write_coding(coding, frame, out, districts=list(result.data.interviews["district_id"]))
    c = coding.counts
    print(
        f"Risposte aperte: {c['answers']}, segmenti: {c['segments']}, suggerimenti: "
        f"{c['suggestions']}."
    )
    print(
        f"Decisioni riusate da ondate precedenti: {c['segments_reused']} segmenti; da "
        f"codificare: {c['segments_to_code']}."
    )
    if coding.simulated:
        print("Codificatori A e B SIMULATI (dati dimostrativi).")
    if coding.agreement is not None:
        agreement = coding.agreement.dropna(subset=["krippendorff_alpha"])
        print(
            f"Accordo tra codificatori: {len(agreement)} codici con alfa definita, alfa "
            f"mediana {agreement['krippendorff_alpha'].median():.3f}."
        )
    for finding in findings:
        print("  " + finding.one_line())
    print(f"Risultati in {out}")
    return 1 if findings.has_errors else 0


def _progress_printer(total: int):
    """Return a callback printing rendering progress, only on a terminal."""
    if not sys.stderr.isatty():
        return None
    done = []

    def show(stem: str) -> None:
        done.append(stem)
        print(f"\r  grafici: {len(done)}/{total} ({stem})".ljust(60), end="", file=sys.stderr)
        if len(done) == total:
            print(file=sys.stderr)

    return show


def _cmd_report(args: argparse.Namespace) -> int:
    from distretti_survey.registry import load_registry
    from distretti_survey.report.build import build_report, prepare_wave

    prepared = prepare_wave(
        args.wave_dir, registry=load_registry(args.registry), decisions=args.decisions
    )
    out = args.out or f"reports/{prepared.instrument.wave}"
    _print_ingest(prepared.ingest)
    result = build_report(
        prepared,
        out,
        jobs=args.jobs,
        reference_date=args.reference_date,
        progress=_progress_printer(9),
    )
    print(
        f"Report dell'ondata {result.analysis.wave} in {out}: {len(result.outputs)} file "
        f"(grafici PNG e SVG, tabelle.xlsx, presentazione.pptx, report.html) e manifest.json."
    )
    if result.analysis.synthetic:
        print("DATI DIMOSTRATIVI: ogni risultato lo dichiara.")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from distretti_survey.registry import load_registry
    from distretti_survey.report.build import prepare_wave
    from distretti_survey.report.compare import compare
    from distretti_survey.report.compare_outputs import write_comparison

    decisions = list(args.decisions or [])
    if decisions and len(decisions) != len(args.wave_dirs):
        from distretti_survey.errors import DistrettiError

        raise DistrettiError("Indicare --decisions una volta per ogni ondata, nello stesso ordine.")
    registry = load_registry(args.registry)
    prepared = [
        prepare_wave(d, registry=registry, decisions=decisions[i] if decisions else None)
        for i, d in enumerate(args.wave_dirs)
    ]
    comparison = compare(prepared)
    out = args.out or "reports/confronto_" + "_".join(map(str, comparison.waves))
    written = write_comparison(comparison, prepared, out, jobs=args.jobs)
    print(
        f"Confronto delle ondate {', '.join(map(str, comparison.waves))}: "
        f"{len(comparison.values)} valori confrontati."
    )
    for row in comparison.handled.itertuples(index=False):
        print(f"  crosswalk {row.kind}: {row.old or ''} -> {row.new or ''}: {row.esito}")
    for row in comparison.presence[comparison.presence["note"] != ""].itertuples(index=False):
        print(f"  {row.district_id} {row.district_name}: {row.note}")
    for row in comparison.excluded.itertuples(index=False):
        print(f"  escluso {row.item}: {row.reason}")
    for finding in comparison.findings:
        print("  " + finding.one_line())
    print(f"Risultati in {out}: {len(written)} file.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand and its one-line description."""
    parser = argparse.ArgumentParser(
        prog="distretti-survey",
        description="Indagine sui Distretti del Commercio della Provincia di Pavia: questionario, "
        "acquisizione, codifica, report.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)

    registry = sub.add_parser(
        "registry",
        help="registro dei distretti e dei comuni",
        description="Registro dei distretti e dei comuni.",
    )
    registry_sub = registry.add_subparsers(dest="registry_command", metavar="AZIONE", required=True)
    check = registry_sub.add_parser(
        "check",
        help="controlla il registro e riassume distretti e comuni per ondata",
        description="Controlla il registro (comuni ISTAT attivi, un comune in un solo distretto, "
        "DUC con un comune, DID con almeno 3, capofila membro) e stampa il riepilogo.",
    )
    check.add_argument(
        "file",
        nargs="?",
        default=None,
        help="CSV del registro (predefinito: data/reference/registry.csv)",
    )
    check.set_defaults(func=_cmd_registry_check)

    template = sub.add_parser(
        "template",
        help="genera le cartelle di lavoro per la raccolta (una per distretto o una master)",
        description="Genera dal questionario le cartelle di lavoro Excel da consegnare agli "
        "intervistatori: menu a tendina, controlli sui numeri e sulle date, versione stampata.",
    )
    template.add_argument("wave_dir", help="cartella dell'ondata (con questionnaire.xlsx)")
    template.add_argument("--out", required=True, help="cartella in cui scrivere i file")
    template.add_argument("--master", action="store_true", help="un'unica cartella master")
    template.add_argument("--district", action="append", help="solo questo distretto (ripetibile)")
    template.add_argument("--registry", default=None, help="CSV del registro dei distretti")
    template.set_defaults(func=_cmd_template)

    def reading_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("path", help="cartella dell'ondata, cartella di file, master o export")
        p.add_argument(
            "--out",
            default=None,
            help="cartella dei risultati (predefinita: data/interim/<ondata>/...)",
        )
        p.add_argument(
            "--questionnaire",
            default=None,
            help="questionario (predefinito: questionnaire.xlsx accanto ai dati)",
        )
        p.add_argument("--registry", default=None, help="CSV del registro dei distretti")

    validate = sub.add_parser(
        "validate",
        help="legge e controlla le interviste compilate; rapporto dei problemi per cella",
        description="Legge le interviste (cartelle per distretto, master, export KoboToolbox/"
        "ODK), le controlla con il questionario e il registro e scrive findings.xlsx/.csv e le "
        "tabelle ordinate. Uscita 0 senza errori, 1 con errori, 2 se l'input è illeggibile.",
    )
    reading_options(validate)
    validate.add_argument("--show", type=int, default=20, help="errori da stampare (20)")
    validate.set_defaults(func=_cmd_validate)

    code = sub.add_parser(
        "code",
        help="codifica le risposte aperte: suggerimenti, codificatori, accordo, codici finali",
        description="Suggerisce i codici con le regole del quadro di codifica, riusa le "
        "decisioni delle ondate precedenti, legge le cartelle dei codificatori, calcola "
        "l'accordo e i codici finali; scrive le cartelle di codifica per ciò che resta.",
    )
    reading_options(code)
    code.add_argument("--reuse", action="append", help="decisions.csv di un'ondata precedente")
    code.add_argument("--coder", action="append", help="cartella di codifica compilata")
    code.add_argument(
        "--simulate",
        action="store_true",
        help="solo dati dimostrativi: simula i codificatori A e B",
    )
    code.add_argument("--seed", type=int, default=2011, help="seme della simulazione")
    code.set_defaults(func=_cmd_code)

    report = sub.add_parser(
        "report",
        help="grafici, tabelle, presentazione e report HTML di un'ondata",
        description="Costruisce dall'ondata i grafici (PNG e SVG), le tabelle (xlsx), la "
        "presentazione (pptx), il report HTML e il manifest, in italiano e riproducibili.",
    )
    report.add_argument("wave_dir", help="cartella dell'ondata (questionnaire.xlsx e interviews/)")
    report.add_argument(
        "--out", default=None, help="cartella dei risultati (predefinita: reports/<ondata>)"
    )
    report.add_argument(
        "--decisions",
        default=None,
        help="decisions.csv del comando code (decisioni dei codificatori)",
    )
    report.add_argument("--jobs", type=int, default=1, help="processi per i grafici (1)")
    report.add_argument(
        "--reference-date", default=None, help="data per i ritardi (predefinita: ultima intervista)"
    )
    report.add_argument("--registry", default=None, help="CSV del registro dei distretti")
    report.set_defaults(func=_cmd_report)

    comp = sub.add_parser(
        "compare",
        help="confronta due o più ondate (solo voci comparabili secondo il crosswalk)",
        description="Confronta le ondate indicatore per indicatore e distretto per distretto, "
        "usando il crosswalk del questionario; elenca le voci escluse e i distretti presenti "
        "in una sola ondata.",
    )
    comp.add_argument("wave_dirs", nargs="+", help="cartelle delle ondate")
    comp.add_argument("--out", default=None, help="cartella dei risultati")
    comp.add_argument(
        "--decisions", action="append", help="decisions.csv di ogni ondata, nello stesso ordine"
    )
    comp.add_argument("--jobs", type=int, default=1, help="processi per i grafici (1)")
    comp.add_argument("--registry", default=None, help="CSV del registro dei distretti")
    comp.set_defaults(func=_cmd_compare)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DistrettiError as exc:
        print(f"errore: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrotto.", file=sys.stderr)
        return 130
