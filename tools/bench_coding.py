"""Precision, recall and F1 of the coding suggestions on the hand-written development set.

Reads ``tests/data/coding_dev.csv`` (answers written and coded by hand against the frame's
definitions, split train/test), trains the model on the ``train`` split and prints, for the
``test`` split, micro P/R/F1 per theme (exact code) for the rules, the model and the two
combined, then the rules that fire wrongly.

Usage: ``python tools/bench_coding.py [--split test|train] [--wrong N]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "data" / "coding_dev.csv"


def run(split: str = "test") -> tuple:
    """Return (evaluation, seconds) on ``split`` with the model trained on the other split."""
    import pandas as pd

    from distretti_survey.coding.evaluate import evaluate_answers
    from distretti_survey.coding.frame import load_frame
    from distretti_survey.coding.model import train_model

    dev = pd.read_csv(DEV, dtype=str, keep_default_na=False)
    frame = load_frame()
    other = "train" if split == "test" else "test"
    training = dev[dev["split"] == other].rename(columns={"gold_codes": "codes"})
    start = time.perf_counter()
    model = train_model(training, frame)
    evaluation = evaluate_answers(dev[dev["split"] == split], frame, model=model)
    return evaluation, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "train"), default="test")
    parser.add_argument("--wrong", type=int, default=10, help="regole errate da mostrare")
    args = parser.parse_args(argv)
    evaluation, seconds = run(args.split)
    table = evaluation.per_theme
    print(f"Insieme di sviluppo: {DEV.relative_to(ROOT)}, parte «{args.split}» ({seconds:.1f} s)")
    print(f"{'tema':<12}{'metodo':<11}{'n':>4}{'P':>7}{'R':>7}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}")
    for theme in dict.fromkeys(table["theme"]):
        for row in table[table["theme"] == theme].itertuples(index=False):
            print(
                f"{theme:<12}{row.method:<11}{row.support:>4}{row.precision:>7.3f}"
                f"{row.recall:>7.3f}{row.f1:>7.3f}{row.tp:>5}{row.fp:>5}{row.fn:>5}"
            )
    if args.wrong and len(evaluation.wrong_rules):
        print(f"\nRegole che scattano a torto (prime {args.wrong}):")
        for row in evaluation.wrong_rules.head(args.wrong).itertuples(index=False):
            print(f"- {row.code_id} {row.rule}: {row.wrong}/{row.fired} errate; {row.examples}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
