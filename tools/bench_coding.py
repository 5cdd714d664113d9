"""Precision, recall and F1 of the coding suggestions on the hand-written development set.

Reads ``tests/data/coding_dev.csv`` (answers written and coded by hand against the frame's
definitions, split train/test/holdout) and prints micro P/R/F1 per theme (exact code) for the
rules, the model and the two combined, then the rules that fire wrongly:

- ``test``: the model is trained on ``train``. The frame's keywords were extended by someone
  who had read the train and test answers, so the rules' figures here are optimistic.
- ``holdout``: answers written after the rules were frozen and never used to tune them; the
  model is trained on ``train`` + ``test``. This is the fairer estimate.

Usage: ``python tools/bench_coding.py [--split test|holdout|both] [--wrong N]``
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
    learn = ["train"] if split == "test" else ["train", "test"]
    training = dev[dev["split"].isin(learn)].rename(columns={"gold_codes": "codes"})
    start = time.perf_counter()
    model = train_model(training, frame)
    evaluation = evaluate_answers(dev[dev["split"] == split], frame, model=model)
    return evaluation, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "holdout", "both"), default="both")
    parser.add_argument("--wrong", type=int, default=10, help="regole errate da mostrare")
    args = parser.parse_args(argv)
    for split in ("test", "holdout") if args.split == "both" else (args.split,):
        _print(split, args.wrong)
    return 0


def _print(split: str, wrong: int) -> None:
    evaluation, seconds = run(split)
    table = evaluation.per_theme
    print(f"\nInsieme di sviluppo: {DEV.relative_to(ROOT)}, parte «{split}» ({seconds:.1f} s)")
    print(f"{'tema':<12}{'metodo':<11}{'n':>4}{'P':>7}{'R':>7}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}")
    for theme in dict.fromkeys(table["theme"]):
        for row in table[table["theme"] == theme].itertuples(index=False):
            print(
                f"{theme:<12}{row.method:<11}{row.support:>4}{row.precision:>7.3f}"
                f"{row.recall:>7.3f}{row.f1:>7.3f}{row.tp:>5}{row.fp:>5}{row.fn:>5}"
            )
    if wrong and len(evaluation.wrong_rules):
        print(f"Regole che scattano a torto (prime {wrong}):")
        for row in evaluation.wrong_rules.head(wrong).itertuples(index=False):
            print(f"- {row.code_id} {row.rule}: {row.wrong}/{row.fired} errate; {row.examples}")


if __name__ == "__main__":
    sys.exit(main())
