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


def _questionnaire_path(wave_dir: str):
    from pathlib import Path

    path = Path(wave_dir)
    return path if path.suffix.lower() == ".xlsx" else path / "questionnaire.xlsx"


def _cmd_template(args: argparse.Namespace) -> int:
    from distretti_survey.instrument import load_instrument
    from distretti_survey.registry import load_registry
    from distretti_survey.templates import build_templates

    instrument = load_instrument(_questionnaire_path(args.wave_dir))
    districts = load_registry(args.registry).districts(instrument.wave)
    if args.district:
        districts = districts[districts["district_id"].isin(args.district)]
    paths = build_templates(instrument, districts, args.out, master=args.master)
    print(
        f"Questionario {instrument.form_id} versione {instrument.version}, ondata "
        f"{instrument.wave}: {len(paths)} cartelle di lavoro in {args.out}"
    )
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
