"""One function per command: the package's table of contents.

Each command of the CLI, and each step of the notebooks, is one call here:

- ``load_wave``: questionnaire + registry + filled workbooks -> tidy tables (open answers
  redacted), findings, accounting; where every command below starts;
- ``make_templates``: questionnaire + registry -> data-entry workbooks;
- ``validate_wave``: filled workbooks or exports -> tidy tables, findings, accounting;
- ``code_wave``: open answers -> suggestions, coders' decisions, final codes, agreement;
- ``report_wave``: one wave -> figures, tables, deck, HTML, indicators, manifest;
- ``compare_waves``: two or more waves -> the comparison through the crosswalk;
- ``new_wave``: the folder of the next wave, from the previous one;
- ``export_wave``: a wave's tidy tables with labels, for SPSS, Stata, R, Python.

Every function takes paths and options, finds the questionnaire, the registry and the earlier
decisions the same way (``locate``), returns a result object (the data, the findings, the files
written) and never prints: the CLI shows the result and picks the exit code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distretti_survey.errors import DistrettiError, QuestionnaireError
from distretti_survey.findings import Findings
from distretti_survey.locate import WavePaths, find_decisions, find_registry, find_wave

Progress = Callable[[str, int, int], None]
"""Called with (what was done, how many done, how many in all)."""


def _load(
    path: str | Path,
    questionnaire: str | Path | None,
    registry: str | Path | None,
    *,
    out: str | Path | None = None,
    kind: str = "validate",
):
    """Return (paths, instrument, registry) of the wave that ``path`` belongs to.

    A questionnaire that cannot be loaded is reported like data: its findings go to
    ``findings.csv``/``.xlsx`` (with an ``accounting.json`` saying nothing was read) in ``out``
    or the command's default folder, and ``QuestionnaireError`` (exit code 2) says where.
    """
    from distretti_survey.ingest.write import write_questionnaire_failure
    from distretti_survey.instrument import check_instrument
    from distretti_survey.registry import load_registry

    paths = find_wave(path, questionnaire)
    instrument, problems = check_instrument(paths.questionnaire)
    if instrument is None:
        out_dir = Path(out) if out else paths.interim(paths.wave_dir.name, kind)
        files = write_questionnaire_failure(problems, out_dir, paths.questionnaire)
        raise QuestionnaireError(
            f"{paths.questionnaire}: questionario non caricato, {len(problems)} problemi "
            f"(foglio, riga e colonna in {out_dir / 'findings.xlsx'}).",
            problems,
            tuple(files),
        )
    return paths, instrument, load_registry(find_registry(registry, paths))


# --- templates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplatesResult:
    """The data-entry workbooks written for a wave."""

    instrument: Any
    out_dir: Path
    files: tuple[Path, ...]


def make_templates(
    wave_dir: str | Path,
    out: str | Path,
    *,
    districts: Sequence[str] = (),
    master: bool = False,
    registry: str | Path | None = None,
) -> TemplatesResult:
    """Write the data-entry workbooks of a wave: one per district, or one master workbook."""
    from distretti_survey.templates import build_templates

    _, instrument, reg = _load(wave_dir, None, registry, out=out, kind="templates")
    table = reg.districts(instrument.wave)
    if districts:
        unknown = sorted(set(districts) - set(table["district_id"]))
        if unknown:
            raise DistrettiError(
                f"Distretti non presenti nel registro per l'ondata {instrument.wave}: "
                f"{', '.join(unknown)}."
            )
        table = table[table["district_id"].isin(districts)]
    files = build_templates(instrument, table, out, master=master)
    return TemplatesResult(instrument, Path(out), tuple(files))


# --- validate ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidateResult:
    """A wave read and checked: tidy tables, findings and accounting, and the files written."""

    paths: WavePaths
    instrument: Any
    ingest: Any
    out_dir: Path
    files: tuple[Path, ...]

    @property
    def findings(self) -> Findings:
        return self.ingest.findings

    @property
    def exit_code(self) -> int:
        """0 without errors, 1 with errors in the data."""
        return 1 if self.findings.has_errors else 0


def load_wave(
    path: str | Path,
    questionnaire: str | Path | None = None,
    registry: str | Path | None = None,
    *,
    out: str | Path | None = None,
    kind: str = "validate",
):
    """Load the wave's questionnaire and registry, read every interview, redact open answers.

    Returns ``(paths, instrument, registry, ingest)``; writes nothing unless the questionnaire
    cannot be loaded (then its findings, see ``_load``). Every command starts here, and so do
    the notebooks that go step by step.

    Personal data (the referents' own name, e-mail and phone, any e-mail, phone or tax code,
    and the names of ``data/reference/redact.csv``) is taken out of the open answers here, so
    nothing downstream (coding, tables, deck, HTML) ever sees it.
    """
    from distretti_survey.ingest import read_wave

    paths, instrument, reg = _load(path, questionnaire, registry, out=out, kind=kind)
    ingest = read_wave(paths.data, instrument, reg)
    return paths, instrument, reg, _redacted(ingest, reg)


def _redacted(ingest: Any, reg: Any) -> Any:
    """Return the ingest result with personal data taken out of its open answers."""
    import dataclasses

    from distretti_survey.privacy import load_redaction_list, redact_open_answers

    names = load_redaction_list(Path(reg.path).with_name("redact.csv"))
    data, counts = redact_open_answers(ingest.data, names)
    accounting = dataclasses.replace(ingest.accounting, redaction=counts)
    return dataclasses.replace(ingest, data=data, accounting=accounting, unredacted=ingest.data)


def validate_wave(
    path: str | Path,
    *,
    out: str | Path | None = None,
    questionnaire: str | Path | None = None,
    registry: str | Path | None = None,
) -> ValidateResult:
    """Read and validate a wave; write findings, tidy tables and accounting under ``out``.

    ``out`` defaults to ``data/interim/<wave>/validate`` of the project.
    """
    from distretti_survey.ingest import write_outputs

    paths, instrument, _, ingest = load_wave(path, questionnaire, registry, out=out)
    out_dir = Path(out) if out else paths.interim(instrument.wave, "validate")
    files = write_outputs(ingest, out_dir)
    return ValidateResult(paths, instrument, ingest, out_dir, tuple(files))


# --- code --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeResult:
    """The open answers of a wave coded, and the files written."""

    paths: WavePaths
    instrument: Any
    ingest: Any
    coding: Any
    out_dir: Path
    files: tuple[Path, ...]
    readings: tuple[Any, ...] = ()
    """What was read of each coder workbook (rows, coded, not coded)."""

    @property
    def findings(self) -> Findings:
        return self.coding.findings

    @property
    def exit_code(self) -> int:
        return 1 if self.findings.has_errors else 0


def _read_earlier(paths: Sequence[str | Path]):
    import pandas as pd

    from distretti_survey.coding.run import read_decisions

    return pd.concat([read_decisions(p) for p in paths], ignore_index=True) if paths else None


def _earlier_model(paths: Sequence[str | Path], earlier: Any, frame: Any):
    """Train the suggestion model on earlier waves' decisions and the segments beside them.

    ``decisions.csv`` carries no text: the ``segments.csv`` that ``code`` wrote in the same
    folder does. Without it (or without decisions) the rules run alone, and say so.
    """
    import pandas as pd

    from distretti_survey.coding.model import model_from_decisions

    beside = [Path(p).with_name("segments.csv") for p in paths]
    if earlier is None or not beside or not all(p.is_file() for p in beside):
        return None
    segments = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in beside])
    return model_from_decisions(segments, earlier, frame)


def _write_quality(coding: Any, inputs: Any, frame: Any, model: Any, out_dir: Path) -> list[Path]:
    """Write how good the suggestions were against this wave's human decisions, if any."""
    import pandas as pd

    from distretti_survey.coding.evaluate import evaluate_wave, quality_tables
    from distretti_survey.csv_io import write_csv

    human = [*inputs.decisions, *([] if inputs.consensus is None else [inputs.consensus])]
    human = [d for d in human if len(d)]
    if not human:
        return []
    evaluation = evaluate_wave(coding.segments, pd.concat(human), frame, model=model)
    written = []
    for name, table in quality_tables(evaluation).items():
        write_csv(table, out_dir / name)
        written.append(out_dir / name)
    return written


def code_wave(
    path: str | Path,
    *,
    out: str | Path | None = None,
    questionnaire: str | Path | None = None,
    registry: str | Path | None = None,
    reuse: Sequence[str | Path] = (),
    coders: Sequence[str | Path] = (),
    consensus: str | Path | None = None,
    simulate: bool = False,
    seed: int = 2011,
    export_qdpx: bool = False,
    pseudonymise: bool = True,
) -> CodeResult:
    """Code the open answers of a wave and write the coding tables and coders' workbooks.

    Parameters
    ----------
    reuse
        ``decisions.csv`` of earlier waves: unchanged answers reuse their decisions.
    coders
        Filled coder workbooks (A and B) to read back.
    consensus
        The filled ``disaccordi.xlsx``: its decisions settle the coders' disagreements.
    simulate
        Simulate coders A and B; refused on real data (``settings: synthetic`` not ``yes``),
        because simulated coders never stand in for real ones.
    export_qdpx
        Also write the frame as a REFI-QDA codebook and the coded answers as a REFI-QDA project.
    pseudonymise
        The coders' workbooks show the answers with personal data replaced (``[REFERENTE]``,
        ``[EMAIL]``, ...); False shows them as typed (``--no-pseudonymise``), and the same
        must be given when those workbooks are read back. Every other output is redacted.
    """
    import dataclasses

    from distretti_survey.coding.run import code_wave as code_answers
    from distretti_survey.coding.run import export_refiqda, read_coders, write_coding
    from distretti_survey.coding.suggest import split_segments

    paths, instrument, _, ingest = load_wave(path, questionnaire, registry, out=out, kind="coding")
    if simulate and not instrument.synthetic:
        raise DistrettiError(
            "--simulate è ammesso solo su dati dimostrativi (settings: synthetic = yes): "
            "i codificatori simulati non sostituiscono quelli reali."
        )
    frame = instrument.coding_frame
    answers = ingest.data.open_answers
    segments = split_segments(answers)
    typed = None
    if not pseudonymise:
        from distretti_survey.privacy import segment_originals

        typed = segment_originals(ingest.unredacted.open_answers, segments, split_segments)
        segments = segments.assign(display_text=segments["segment_id"].map(typed))
    inputs = read_coders(segments, frame, coders, consensus)
    earlier = _read_earlier(reuse)
    model = _earlier_model(reuse, earlier, frame)
    coding = code_answers(
        answers,
        frame,
        earlier_decisions=earlier,
        coder_decisions=inputs.decisions,
        consensus=inputs.consensus,
        simulate_seed=seed if simulate else None,
        model=model,
    )
    findings = Findings([*inputs.findings, *coding.findings])
    coding = dataclasses.replace(coding, findings=findings)
    out_dir = Path(out) if out else paths.interim(instrument.wave, "coding")
    districts = list(ingest.data.interviews["district_id"])
    keep = [*coders, *([consensus] if consensus else [])]
    files = write_coding(coding, frame, out_dir, districts=districts, keep=keep, display_text=typed)
    files += _write_quality(coding, inputs, frame, model, out_dir)
    if export_qdpx:
        files += export_refiqda(answers, coding, frame, out_dir)
    return CodeResult(paths, instrument, ingest, coding, out_dir, tuple(files), inputs.readings)


# --- one wave, ready for the report ------------------------------------------------------------


@dataclass(frozen=True)
class PreparedWave:
    """A wave read, validated and coded: what the report and the comparison start from."""

    paths: WavePaths
    instrument: Any
    ingest: Any
    coding: Any
    districts: Any
    inputs: tuple[Path, ...]
    decisions: Path | None
    """The coders' decisions used, or None: the codes are then unreviewed rule suggestions."""
    simulated_coders: bool
    """The decisions come from a ``code --simulate`` run (demo data only)."""
    registry: Any = None
    """The district registry (maps draw its comuni)."""

    @property
    def wave_dir(self) -> Path:
        return self.paths.wave_dir


def prepare_wave(
    path: str | Path,
    *,
    decisions: str | Path | None = None,
    registry: str | Path | None = None,
) -> PreparedWave:
    """Read, validate and code one wave with the coders' decisions found for it.

    The decisions are ``decisions`` if given, else the ``code`` command's
    ``data/interim/<wave>/coding/decisions.csv``; the agreement of the coders is read from the
    same folder. Without decisions the final codes are the rule suggestions, marked unreviewed.
    """
    import dataclasses

    import pandas as pd

    from distretti_survey.coding.run import code_wave as code_answers
    from distretti_survey.coding.run import read_decisions
    from distretti_survey.ingest.guard import list_inputs

    paths, instrument, reg, ingest = load_wave(path, None, registry)
    found = find_decisions(decisions, paths, instrument.wave)
    human = read_decisions(found) if found else None
    coding = code_answers(
        ingest.data.open_answers,
        instrument.coding_frame,
        coder_decisions=[human] if human is not None else [],
    )
    # The accounting's file names are escaped for display; the manifest hashes the real files.
    files, _, _ = list_inputs(paths.data)
    inputs = [paths.questionnaire, Path(reg.path), *(f.path for f in files)]
    simulated = False
    if found:
        inputs.append(found)
        agreement = found.with_name("agreement.csv")
        if agreement.is_file():
            coding = dataclasses.replace(coding, agreement=pd.read_csv(agreement))
            inputs.append(agreement)
        simulated = _counts_simulated(found)
    return PreparedWave(
        paths,
        instrument,
        ingest,
        coding,
        reg.districts(instrument.wave),
        tuple(inputs),
        found,
        simulated,
        reg,
    )


def _counts_simulated(decisions: Path) -> bool:
    """Return whether the ``code`` run that wrote ``decisions`` simulated its coders."""
    import json

    counts = decisions.with_name("counts.json")
    if not counts.is_file():
        return False
    return bool(json.loads(counts.read_text(encoding="utf-8")).get("simulated_coders"))


# --- report ------------------------------------------------------------------------------------


def report_wave(
    path: str | Path,
    *,
    out: str | Path | None = None,
    decisions: str | Path | None = None,
    registry: str | Path | None = None,
    jobs: int = 1,
    reference_date: str | None = None,
    progress: Progress | None = None,
):
    """Build the talk of one wave: figures, tables, deck, HTML, indicators and manifest.

    Returns the report's result (``report.build.ReportResult``) with the prepared wave.
    """
    from distretti_survey.report.build import build_report
    from distretti_survey.report.figures import figure_workers

    with figure_workers(jobs) as pool:  # spawn workers warm up while the wave is read and coded
        prepared = prepare_wave(path, decisions=decisions, registry=registry)
        out_dir = Path(out) if out else prepared.paths.reports(prepared.instrument.wave)
        return build_report(
            prepared,
            out_dir,
            jobs=jobs,
            reference_date=reference_date,
            progress=progress,
            pool=pool,
        )


# --- compare -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareResult:
    """Waves compared through the crosswalk, and the files written."""

    comparison: Any
    prepared: tuple[PreparedWave, ...]
    out_dir: Path
    files: tuple[Path, ...]
    findings: Findings = field(default_factory=Findings)


def compare_waves(
    paths: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    decisions: Sequence[str | Path] = (),
    registry: str | Path | None = None,
    jobs: int = 1,
    allow_unreviewed: bool = False,
) -> CompareResult:
    """Compare two or more waves item by item and district by district, through the crosswalk.

    ``decisions`` gives one ``decisions.csv`` per wave, in the same order; when omitted each
    wave uses the decisions the ``code`` command wrote for it, if any (see ``prepare_wave``).
    A wave whose codes are only unreviewed rule suggestions is refused unless
    ``allow_unreviewed``; the comparison records the coding status it used for each wave.
    """
    from distretti_survey.report.compare import compare
    from distretti_survey.report.compare_outputs import write_comparison

    if len(paths) < 2:
        raise DistrettiError("Per un confronto servono almeno due cartelle di ondata.")
    if decisions and len(decisions) != len(paths):
        raise DistrettiError("Indicare --decisions una volta per ogni ondata, nello stesso ordine.")
    prepared = [
        prepare_wave(p, decisions=decisions[i] if decisions else None, registry=registry)
        for i, p in enumerate(paths)
    ]
    comparison = compare(prepared, allow_unreviewed=allow_unreviewed)
    waves = "_".join(map(str, comparison.waves))
    out_dir = Path(out) if out else prepared[0].paths.reports(f"confronto_{waves}")
    files = write_comparison(comparison, prepared, out_dir, jobs=jobs)
    return CompareResult(comparison, tuple(prepared), out_dir, tuple(files), comparison.findings)


# --- a new wave --------------------------------------------------------------------------------


def new_wave(
    year: int,
    from_dir: str | Path,
    *,
    out: str | Path | None = None,
    registry: str | Path | None = None,
):
    """Create the folder of wave ``year`` from the previous wave (``new_wave.create_wave``).

    ``out`` defaults to ``data/raw/<year>`` of the project; the registry is the project's.
    Returns ``new_wave.NewWaveResult`` (folder, questionnaire, proposed registry rows,
    findings).
    """
    from distretti_survey.new_wave import create_wave

    previous = find_wave(from_dir)
    project = previous.project or Path.cwd()
    out_dir = Path(out) if out else project / "data" / "raw" / str(year)
    return create_wave(year, previous.wave_dir, out_dir, find_registry(registry, previous))


# --- labelled data for other tools -------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    """A wave's tables written for other tools, and what was read to write them."""

    validate: ValidateResult
    files: tuple[Path, ...]
    include_contacts: bool


def export_wave(
    path: str | Path,
    *,
    formats: Sequence[str] = ("csv",),
    out: str | Path | None = None,
    include_contacts: bool = False,
    questionnaire: str | Path | None = None,
    registry: str | Path | None = None,
) -> ExportResult:
    """Write a wave's tidy tables with variable and value labels (``export.export_wave``).

    Open answers are redacted as everywhere; contact fields are left out unless
    ``include_contacts``. ``out`` defaults to ``data/interim/<wave>/export``.
    """
    from distretti_survey.export import export_wave as write_labelled

    paths, instrument, _, ingest = load_wave(path, questionnaire, registry, out=out, kind="export")
    out_dir = Path(out) if out else paths.interim(instrument.wave, "export")
    written = write_labelled(
        ingest.data, instrument, out_dir, formats, include_contacts=include_contacts
    )
    checked = ValidateResult(paths, instrument, ingest, out_dir, ())
    return ExportResult(checked, tuple(written.paths), include_contacts)
