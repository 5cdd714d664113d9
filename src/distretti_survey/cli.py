"""Command line: ``distretti-survey SUBCOMMAND ...``; the only layer that prints and exits.

Each subcommand parses its arguments, calls one function of ``pipeline``, prints the result and
picks the exit code: 0 done, 1 done with errors in the data, 2 input missing or unreadable. User
mistakes (``DistrettiError``) end with a one-line Italian message, never a traceback. The
pipeline is imported inside each command so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from distretti_survey import __version__
from distretti_survey.errors import DistrettiError, QuestionnaireError


def _print_findings(findings, limit: int) -> None:
    for finding in findings.errors[:limit]:
        print("  " + finding.one_line())


def _cmd_registry_check(args: argparse.Namespace) -> int:
    from distretti_survey.locate import find_registry
    from distretti_survey.registry import load_registry
    from distretti_survey.registry_check import check_registry, registry_summary

    registry = load_registry(find_registry(args.file))
    findings = check_registry(registry)
    print(f"Registro: {registry.path}")
    print("ondata  tipo    distretti  comuni")
    for row in registry_summary(registry).itertuples():
        print(f"{row.wave:<7} {row.type:<7} {row.districts:>9} {row.comuni:>7}")
    for finding in findings:
        print(finding.one_line())
    print(f"Controlli: {len(findings.errors)} errori, {len(findings.warnings)} avvisi.")
    return 1 if findings.has_errors else 0


def _cmd_template(args: argparse.Namespace) -> int:
    from distretti_survey.pipeline import make_templates

    result = make_templates(
        args.wave_dir,
        args.out,
        districts=args.district or (),
        master=args.master,
        registry=args.registry,
    )
    ins = result.instrument
    print(
        f"Questionario {ins.form_id} versione {ins.version}, ondata {ins.wave}: "
        f"{len(result.files)} cartelle di lavoro in {result.out_dir}"
    )
    return 0


def _print_ingest(ingest) -> None:
    acc = ingest.accounting
    print(
        f"File letti: {len(acc.files)} (non leggibili: {len(acc.files_failed)}); interviste "
        f"lette: {acc.read}, accettate: {len(acc.accepted)}, scartate: {len(acc.rejected)}."
    )
    for rejection in acc.rejected:
        print(f"  scartata {rejection.source} ({rejection.district_id}): {rejection.reason}")
    for name, rows in acc.repeats.items():
        label = ingest.repeat_labels.get(name, name)
        print(
            f"Righe di «{label}»: lette {rows.read} = accettate {rows.accepted} + scartate "
            f"{rows.rejected_count}."
        )
    if acc.rows_not_read:
        print(
            f"Righe non lette: {len(acc.rows_not_read)} gruppi (file, foglio, righe in findings)."
        )
    if acc.blank_rows:
        print(f"Righe o file senza risposte (non sono interviste): {len(acc.blank_rows)}.")
        for blank in acc.blank_rows:
            print(f"  senza risposte: {blank.where()} ({blank.district_id})")
    findings = ingest.findings
    print(f"Problemi: {len(findings.errors)} errori, {len(findings.warnings)} avvisi.")


def _cmd_validate(args: argparse.Namespace) -> int:
    from distretti_survey.pipeline import validate_wave

    result = validate_wave(
        args.path, out=args.out, questionnaire=args.questionnaire, registry=args.registry
    )
    _print_ingest(result.ingest)
    _print_findings(result.findings, args.show)
    print(f"Rapporto completo: {result.out_dir}/findings.xlsx e {result.out_dir}/findings.csv")
    return result.exit_code


def _cmd_code(args: argparse.Namespace) -> int:
    from distretti_survey.coding.decisions import FINAL_RULE
    from distretti_survey.pipeline import code_wave

    result = code_wave(
        args.path,
        out=args.out,
        questionnaire=args.questionnaire,
        registry=args.registry,
        reuse=args.reuse or (),
        coders=args.coder or (),
        consensus=args.consensus,
        simulate=args.simulate,
        seed=args.seed,
        export_qdpx=args.export_qdpx,
        pseudonymise=not args.no_pseudonymise,
    )
    coding = result.coding
    c = coding.counts
    print(
        f"Risposte aperte: {c['answers']}, segmenti: {c['segments']}, suggerimenti: "
        f"{c['suggestions']}."
    )
    print(
        f"Decisioni riusate da ondate precedenti: {c['segments_reused']} segmenti; da "
        f"codificare: {c['segments_to_code']}."
    )
    for r in result.readings:
        print(
            f"  {r.file} ({r.coder}): {r.n_rows} righe, {r.n_coded} compilate, "
            f"{r.n_uncoded} non compilate"
        )
    print(f"Suggerimenti: {c['suggestion_mode']}.")
    if coding.simulated:
        print("Codificatori A e B SIMULATI (dati dimostrativi).")
    print(
        f"Decisioni segmento x codice (presenza o assenza): {c['codes_agreed']} concordi tra A e "
        f"B, {c['codes_consensus']} decise dal consenso, {c['codes_single_coder']} da un solo "
        f"codificatore; disaccordi aperti: {c['disagreements_unresolved']} (unresolved.csv)."
    )
    print(f"Codici finali assegnati: {c['final_codes']}.")
    print(f"Regola dei codici finali: {FINAL_RULE}")
    if coding.agreement is not None:
        agreement = coding.agreement.dropna(subset=["krippendorff_alpha"])
        print(
            f"Accordo tra codificatori: {len(agreement)} codici con alfa definita, alfa "
            f"mediana {agreement['krippendorff_alpha'].median():.3f}."
        )
    for finding in result.findings:
        print("  " + finding.one_line())
    print(f"Risultati in {result.out_dir}")
    return result.exit_code


class _Progress:
    """A progress bar for a pipeline step, drawn on a terminal only (``progress``, tqdm)."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.bar = None

    def __call__(self, what: str, done: int, total: int) -> None:
        from distretti_survey.progress import progress_bar

        if self.bar is None:
            self.bar = progress_bar(total, self.description)
        self.bar.advance(label=what)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _cmd_report(args: argparse.Namespace) -> int:
    from distretti_survey.pipeline import report_wave

    progress = _Progress("grafici")
    result = report_wave(
        args.wave_dir,
        out=args.out,
        decisions=args.decisions,
        registry=args.registry,
        jobs=args.jobs,
        reference_date=args.reference_date,
        progress=progress,
    )
    progress.close()
    _print_ingest(result.prepared.ingest)
    print(
        f"Report dell'ondata {result.analysis.wave} in {result.out_dir}: "
        f"{len(result.outputs)} file (grafici PNG e SVG, indicatori.csv, tabelle.xlsx, "
        "presentazione.pptx, report.html) e manifest.json."
    )
    for finding in result.analysis.findings:
        print("  " + finding.one_line())
    used = result.prepared.decisions
    print(f"Codici delle risposte aperte: {used or 'suggerimenti automatici non rivisti'}.")
    if result.analysis.synthetic:
        print("DATI DIMOSTRATIVI: ogni risultato lo dichiara.")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from distretti_survey.pipeline import compare_waves

    result = compare_waves(
        args.wave_dirs,
        out=args.out,
        decisions=args.decisions or (),
        registry=args.registry,
        jobs=args.jobs,
        allow_unreviewed=args.allow_unreviewed,
    )
    comparison = result.comparison
    print(
        f"Confronto delle ondate {', '.join(map(str, comparison.waves))}: "
        f"{len(comparison.values)} valori confrontati."
    )
    for p in result.prepared:
        wave = p.instrument.wave
        used = p.decisions or "suggerimenti automatici non rivisti"
        print(f"  ondata {wave}: codici da {used}; {comparison.coding[wave].note('')}")
    for row in comparison.handled.itertuples(index=False):
        print(f"  crosswalk {row.kind}: {row.old or ''} -> {row.new or ''}: {row.esito}")
    for row in comparison.presence[comparison.presence["note"] != ""].itertuples(index=False):
        print(f"  {row.district_id} {row.district_name}: {row.note}")
    for row in comparison.excluded.itertuples(index=False):
        print(f"  escluso {row.item}: {row.reason}")
    for finding in result.findings:
        print("  " + finding.one_line())
    print(f"Risultati in {result.out_dir}: {len(result.files)} file.")
    return 0


def _cmd_new_wave(args: argparse.Namespace) -> int:
    from distretti_survey.pipeline import new_wave

    r = new_wave(args.year, args.from_dir, out=args.out, registry=args.registry)
    print(
        f"Ondata {r.wave} in {r.wave_dir} (dall'ondata {r.previous_wave}): "
        f"{r.questionnaire.name} versione {r.wave}.1, synthetic = no, crosswalk vuoto; "
        f"{r.interviews_dir} esclusa da git."
    )
    print(f"Registro {r.registry_path}: {len(r.proposed)} appartenenze proposte per il {r.wave}.")
    for finding in r.findings:
        print("  " + finding.one_line())
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from distretti_survey.pipeline import export_wave

    result = export_wave(
        args.path,
        formats=args.format or ["csv"],
        out=args.out,
        include_contacts=args.include_contacts,
        questionnaire=args.questionnaire,
        registry=args.registry,
    )
    _print_ingest(result.validate.ingest)
    print(f"Esportati {len(result.files)} file in {result.validate.out_dir}.")
    if result.include_contacts:
        print("ATTENZIONE: i file contengono i dati di contatto dei referenti (dati personali).")
    return result.validate.exit_code


# --- the parser --------------------------------------------------------------------------------


def _add_registry_parser(sub) -> None:
    registry = sub.add_parser(
        "registry",
        help="registro dei distretti e dei comuni",
        description="Registro dei distretti e dei comuni.",
    )
    actions = registry.add_subparsers(dest="registry_command", metavar="AZIONE", required=True)
    check = actions.add_parser(
        "check",
        help="controlla il registro e riassume distretti e comuni per ondata",
        description="Controlla il registro (comuni ISTAT attivi, un comune in un solo distretto, "
        "DUC con un comune, DID con almeno 3, capofila membro) e stampa il riepilogo.",
    )
    check.add_argument(
        "file", nargs="?", default=None, help="CSV del registro (predefinito: quello del progetto)"
    )
    check.set_defaults(func=_cmd_registry_check)


def _add_template_parser(sub) -> None:
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
    _registry_option(template)
    template.set_defaults(func=_cmd_template)


def _registry_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--registry",
        default=None,
        help="CSV del registro dei distretti (predefinito: del progetto)",
    )


def _reading_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="cartella dell'ondata, cartella di file, master o export")
    p.add_argument(
        "--out", default=None, help="cartella dei risultati (predefinita: data/interim/<ondata>)"
    )
    p.add_argument(
        "--questionnaire",
        default=None,
        help="questionario (predefinito: questionnaire.xlsx accanto ai dati)",
    )
    _registry_option(p)


def _add_validate_parser(sub) -> None:
    validate = sub.add_parser(
        "validate",
        help="legge e controlla le interviste compilate; rapporto dei problemi per cella",
        description="Legge le interviste (cartelle per distretto, master, export KoboToolbox/"
        "ODK), le controlla con il questionario e il registro e scrive findings.xlsx/.csv e le "
        "tabelle ordinate. Uscita 0 senza errori, 1 con errori, 2 se l'input è illeggibile.",
    )
    _reading_options(validate)
    validate.add_argument("--show", type=int, default=20, help="errori da stampare (20)")
    validate.set_defaults(func=_cmd_validate)


def _add_code_parser(sub) -> None:
    code = sub.add_parser(
        "code",
        help="codifica le risposte aperte: suggerimenti, codificatori, accordo, codici finali",
        description="Suggerisce i codici con le regole del quadro di codifica, riusa le "
        "decisioni delle ondate precedenti, legge le cartelle dei codificatori, calcola "
        "l'accordo e i codici finali; scrive le cartelle di codifica per ciò che resta.",
    )
    _reading_options(code)
    code.add_argument("--reuse", action="append", help="decisions.csv di un'ondata precedente")
    code.add_argument(
        "--coder", action="append", help="cartella di codifica compilata (A o B; ripetibile)"
    )
    code.add_argument(
        "--consensus", default=None, help="disaccordi.xlsx con la colonna del consenso compilata"
    )
    code.add_argument(
        "--no-pseudonymise",
        action="store_true",
        help="le cartelle dei codificatori mostrano le risposte come scritte, con i dati "
        "personali (predefinito: sostituiti da [REFERENTE], [EMAIL], ...)",
    )
    code.add_argument(
        "--export-qdpx",
        action="store_true",
        help="scrive anche il quadro di codifica (.qdc) e il progetto REFI-QDA (.qdpx)",
    )
    code.add_argument(
        "--simulate", action="store_true", help="solo dati dimostrativi: simula i codificatori"
    )
    code.add_argument("--seed", type=int, default=2011, help="seme della simulazione")
    code.set_defaults(func=_cmd_code)


def _add_report_parser(sub) -> None:
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
        help="decisions.csv dei codificatori (predefinito: quello scritto dal comando code)",
    )
    report.add_argument("--jobs", type=int, default=1, help="processi per i grafici (1)")
    report.add_argument(
        "--reference-date",
        default=None,
        help="una sola data per i ritardi (predefinita: la data di ciascuna intervista)",
    )
    _registry_option(report)
    report.set_defaults(func=_cmd_report)


def _add_compare_parser(sub) -> None:
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
        "--decisions",
        action="append",
        help="decisions.csv di ogni ondata, nello stesso ordine (predefiniti: quelli del "
        "comando code)",
    )
    comp.add_argument("--jobs", type=int, default=1, help="processi per i grafici (1)")
    _registry_option(comp)
    comp.add_argument(
        "--allow-unreviewed",
        action="store_true",
        help="confrontare anche codici automatici non rivisti dai codificatori (segnalati)",
    )
    comp.set_defaults(func=_cmd_compare)


def _add_new_wave_parser(sub) -> None:
    nw = sub.add_parser(
        "new-wave",
        help="crea la cartella di una nuova ondata dalla precedente",
        description="Questionario per interviste reali (synthetic = no), crosswalk vuoto, "
        "interviews/ fuori da git, distretti proposti nel registro da confermare.",
    )
    nw.add_argument("year", type=int, help="anno della nuova ondata")
    nw.add_argument(
        "--from", dest="from_dir", required=True, help="cartella dell'ondata precedente"
    )
    nw.add_argument(
        "--out", default=None, help="cartella della nuova ondata (predefinita: data/raw/<anno>)"
    )
    _registry_option(nw)
    nw.set_defaults(func=_cmd_new_wave)


def _add_export_parser(sub) -> None:
    export = sub.add_parser(
        "export",
        help="tabelle dell'ondata con etichette per SPSS, Stata, R (sav, dta, parquet, csv)",
        description="Scrive le tabelle ordinate dell'ondata con le etichette delle domande e "
        "delle risposte, e un codebook. I dati di contatto sono esclusi se non richiesti.",
    )
    _reading_options(export)
    export.add_argument(
        "--format",
        action="append",
        choices=("sav", "dta", "parquet", "csv"),  # export.FORMATS, without importing pandas
        help="formato (ripetibile; predefinito csv)",
    )
    export.add_argument(
        "--include-contacts", action="store_true", help="includere i dati di contatto (personali)"
    )
    export.set_defaults(func=_cmd_export)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand and its one-line description."""
    parser = argparse.ArgumentParser(
        prog="distretti-survey",
        description="Indagine sui Distretti del Commercio della Provincia di Pavia: questionario, "
        "acquisizione, codifica, report.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)
    for add in (
        _add_registry_parser,
        _add_template_parser,
        _add_validate_parser,
        _add_code_parser,
        _add_report_parser,
        _add_compare_parser,
        _add_new_wave_parser,
        _add_export_parser,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except QuestionnaireError as exc:
        for finding in exc.findings:
            print(finding.one_line())
        print(f"errore: {exc}", file=sys.stderr)
        return exc.exit_code
    except DistrettiError as exc:
        print(f"errore: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrotto.", file=sys.stderr)
        return 130
