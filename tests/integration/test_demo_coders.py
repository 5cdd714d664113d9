"""The committed demo coder workbooks: what tools/make_demo_coders.py makes, and the real flow."""

import shutil
import subprocess
import sys

import pandas as pd
import pytest

from distretti_survey.coding.consensus import read_consensus
from distretti_survey.coding.run import code_wave
from distretti_survey.coding.workbooks import read_coder_workbook
from distretti_survey.ingest import read_wave
from distretti_survey.instrument import load_instrument
from distretti_survey.registry import load_registry

pytestmark = pytest.mark.integration
FILES = ("coder_A.xlsx", "coder_B.xlsx", "disaccordi.xlsx")


def _make(repo_root, root):
    for wave in ("2011", "2012"):
        shutil.copytree(
            repo_root / "data/raw/demo" / wave,
            root / wave,
            ignore=shutil.ignore_patterns("coding"),
        )
    result = subprocess.run(
        [sys.executable, "tools/make_demo_coders.py", "--root", str(root)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _read_back(folder, segments, frame):
    a = read_coder_workbook(folder / "coder_A.xlsx", segments, frame).decisions
    b = read_coder_workbook(folder / "coder_B.xlsx", segments, frame).decisions
    consensus, _ = read_consensus(folder / "disaccordi.xlsx", segments, frame)
    return [_pairs(d) for d in (a, b, consensus)]


def test_committed_files_are_what_the_tool_makes(repo_root, tmp_path):
    # Same decisions as the committed files (what the coders' workbooks show besides them,
    # the suggestions, may change with the rules: rerun the tool when this fails), and the
    # tool gives the same bytes twice.
    _make(repo_root, tmp_path / "one")
    _make(repo_root, tmp_path / "two")
    for wave in ("2011", "2012"):
        for name in FILES:
            one = (tmp_path / "one" / wave / "coding" / name).read_bytes()
            assert one == (tmp_path / "two" / wave / "coding" / name).read_bytes()
    for wave in ("2011", "2012"):
        folder = repo_root / "data/raw/demo" / wave
        instrument = load_instrument(folder / "questionnaire.xlsx")
        answers = read_wave(folder, instrument, load_registry()).data.open_answers
        segments = code_wave(answers, instrument.coding_frame).segments
        made = _read_back(tmp_path / "one" / wave / "coding", segments, instrument.coding_frame)
        committed = _read_back(folder / "coding", segments, instrument.coding_frame)
        assert made == committed, f"{wave}: rerun tools/make_demo_coders.py"


def _pairs(decisions):
    return {
        (s, c): int(v)
        for s, c, v in zip(
            decisions["segment_id"], decisions["code_id"], decisions["value"], strict=True
        )
    }


def test_demo_flow_with_consensus_settles_every_disagreement(repo_root):
    earlier = None
    for wave in (2011, 2012):
        folder = repo_root / "data/raw/demo" / str(wave)
        instrument = load_instrument(folder / "questionnaire.xlsx")
        frame = instrument.coding_frame
        answers = read_wave(folder, instrument, load_registry()).data.open_answers
        start = code_wave(answers, frame, earlier_decisions=earlier)
        a = read_coder_workbook(folder / "coding/coder_A.xlsx", start.segments, frame)
        b = read_coder_workbook(folder / "coding/coder_B.xlsx", start.segments, frame)
        consensus, found = read_consensus(folder / "coding/disaccordi.xlsx", start.segments, frame)
        assert not [f for f in (*a.findings, *b.findings, *found) if f.severity == "error"]
        result = code_wave(
            answers,
            frame,
            earlier_decisions=earlier,
            coder_decisions=[a.decisions, b.decisions],
            consensus=consensus,
        )
        pa, pb, pc = _pairs(a.decisions), _pairs(b.decisions), _pairs(consensus)
        disagree = {p for p in pa.keys() & pb.keys() if pa[p] != pb[p]}
        assert disagree and set(pc) == disagree  # the consensus covers every disagreement
        assert result.counts["disagreements_unresolved"] == 0
        # the final codes of the coded segments: agreed where A = B, else the consensus,
        # else (a row B left empty) coder A's
        expected = set()
        for p, value in pa.items():
            final = pc[p] if p in disagree else value
            expected |= {p} if final == 1 else set()
        for p, value in pb.items():
            if p not in pa and value == 1:
                expected.add(p)
        coded = set(s for s, _ in pa) | set(s for s, _ in pb)
        final = result.final[result.final["segment_id"].isin(coded)]
        assert set(zip(final["segment_id"], final["code_id"], strict=True)) == expected
        if wave == 2011:
            assert a.n_uncoded == 0 and b.n_uncoded == 2
        earlier = result.decisions if earlier is None else pd.concat([earlier, result.decisions])


def test_demo_wave_exports_valid_refiqda_files(repo_root, tmp_path):
    import io
    import zipfile

    import xmlschema

    from distretti_survey.coding.run import export_refiqda

    folder = repo_root / "data/raw/demo/2011"
    instrument = load_instrument(folder / "questionnaire.xlsx")
    frame = instrument.coding_frame
    answers = read_wave(folder, instrument, load_registry()).data.open_answers
    start = code_wave(answers, frame)
    a = read_coder_workbook(folder / "coding/coder_A.xlsx", start.segments, frame)
    b = read_coder_workbook(folder / "coding/coder_B.xlsx", start.segments, frame)
    consensus, _ = read_consensus(folder / "coding/disaccordi.xlsx", start.segments, frame)
    result = code_wave(
        answers, frame, coder_decisions=[a.decisions, b.decisions], consensus=consensus
    )
    qdc, qdpx = export_refiqda(answers, result, frame, tmp_path / "one")
    again = export_refiqda(answers, result, frame, tmp_path / "two")
    assert [p.read_bytes() for p in again] == [qdc.read_bytes(), qdpx.read_bytes()]
    schemas = repo_root / "tests/data/refiqda"
    xmlschema.XMLSchema(schemas / "Codebook.xsd").validate(str(qdc))
    with zipfile.ZipFile(qdpx) as archive:
        qde = archive.read("project.qde")
        n_sources = sum(n.startswith("sources/") for n in archive.namelist())
    xmlschema.XMLSchema(schemas / "Project.xsd").validate(io.BytesIO(qde))
    assert n_sources == len(answers)
    assert qde.count(b"<Coding ") == len(result.final)
