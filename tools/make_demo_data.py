"""Fill the data-entry templates of the synthetic demo waves with plausible answers.

Run once from the repository root, after ``tools/make_questionnaires.py``; the files are
committed under ``data/raw/demo/<wave>/interviews/`` and ``data/raw/demo/messy/``. The answers
come from a seeded numpy generator, so the same code always gives the same bytes. Every person,
e-mail and phone number is fake.

A few realistic mistakes are planted in the clean waves (each gives a *warning*): a budget typed
``€ 12.500,00``, a status in capitals, text dates, a missing required answer, a formula, spent >
planned. ``messy/`` holds a copy of the 2011 wave with *errors* for the tests (unknown value,
district not in the registry, duplicate, negative budget, a file that is not a workbook).

    python tools/make_demo_data.py [--root DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np

from distretti_survey.instrument import Instrument, load_instrument
from distretti_survey.registry import load_registry
from distretti_survey.templates import build_district_workbook
from distretti_survey.xlsx_io import workbook_bytes

ROOT = Path(__file__).resolve().parents[1]
SEED = 20111212  # the day the first results were presented
YES = "sì"

#: Status weights (non_avviato, in_progettazione, in_corso, completato, annullato) per wave.
STATUS_WEIGHTS = {2011: [0.25, 0.3, 0.3, 0.1, 0.05], 2012: [0.08, 0.15, 0.37, 0.35, 0.05]}


def _sentences(pool: list[str], rng: np.random.Generator, k: int) -> str:
    picks = rng.choice(len(pool), size=k, replace=False)
    return " ".join(pool[i] for i in sorted(picks))


def _rows_by_code(ws) -> dict[str, int]:
    return {str(ws.cell(r, 1).value): r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value}


def answers(instrument: Instrument, number: int, wave: int) -> dict:
    """Return the answers of district number ``number`` (1-based) in ``wave``, as labels."""
    rng = np.random.default_rng([SEED, wave, number])
    base = np.random.default_rng([SEED, number])  # the same in every wave: programme, habits
    label = {
        name: {c.name: c.label("it") for c in instrument.choices(name)}
        for name in instrument.list_names
    }
    start = dt.date(wave, 4 if wave == 2011 else 3, 1)
    out: dict = {
        "interview_date": dt.datetime.combine(
            start + dt.timedelta(days=int(rng.integers(0, 200))), dt.time()
        ),
        "referent_role": label["ruolo"][str(base.choice(list(label["ruolo"])[:5]))],
        "referent_name": f"Referente Sintetico {number:02d}",
        "referent_email": f"referente{number:02d}@example.org",
        "referent_phone": f"0382 000 0{number:02d}",
        "quote_district_ok": label["si_no"]["si" if rng.random() < 0.8 else "no"],
    }
    # interventions: the same programme in both waves, further along in 2012
    n = int(base.integers(3, 11))
    areas = base.choice(list(label["area"]), size=n, replace=True)
    stati = list(label["stato"])
    rows = []
    for i, area in enumerate(areas):
        status = stati[int(rng.choice(5, p=STATUS_WEIGHTS[wave]))]
        planned = float(base.integers(40, 1201) * 500)
        share = {
            "non_avviato": None,
            "in_progettazione": (0, 0.1),
            "in_corso": (0.2, 0.8),
            "completato": (0.85, 1.0),
            "annullato": (0, 0.05),
        }[status]
        spent = None if share is None else round(planned * rng.uniform(*share) / 100) * 100
        end = dt.date(2011 + int(base.integers(0, 3)), int(base.integers(1, 13)), 1)
        descr = DESCRIPTIONS[str(area)][i % len(DESCRIPTIONS[str(area)])]
        rows.append(
            [
                label["area"][str(area)],
                descr,
                label["stato"][status],
                planned,
                spent,
                dt.datetime.combine(end, dt.time()),
            ]
        )
    out["interventions"] = rows
    for q in instrument.questions:
        if q.type == "select_multiple":
            codes = [c.name for c in instrument.choices(q.list_name)]
            if q.name == "gov_problems" and rng.random() < 0.15:
                chosen = ["nessuno"]
            else:
                pool = [c for c in codes if c != "nessuno"]
                chosen = list(rng.choice(pool, size=int(rng.integers(1, 4)), replace=False))
            for code in codes:
                out[f"{q.name}/{code}"] = YES if code in chosen else None
        elif q.list_name in ("livello", "accordo"):
            codes = [c.name for c in instrument.choices(q.list_name)]
            p = np.array([0.08, 0.2, 0.32, 0.25, 0.1, 0.05] + [0.0] * (len(codes) - 6))
            if q.name == "gov_manager" and base.random() < 0.4:
                out[q.name] = label[q.list_name]["non_applicabile"]  # no manager yet
                continue
            out[q.name] = label[q.list_name][str(rng.choice(codes, p=p / p.sum()))]
    # open answers: some districts say in 2012 exactly what they said in 2011
    same = np.random.default_rng([SEED, 2011, number, 7]) if base.random() < 0.35 else rng
    out["progress_difficulties"] = _sentences(PROGRESS, same, int(rng.integers(1, 3)))
    out["training_needs_text"] = _sentences(TRAINING, same, int(rng.integers(1, 3)))
    if out.get("gov_problems/nessuno") != YES:
        out["gov_problems_text"] = _sentences(GOVERNANCE, same, int(rng.integers(1, 3)))
    return out


def fill(wb, filled: dict) -> None:
    """Write ``filled`` into a district workbook (question sheets and Interventi)."""
    for title in ("Profilo", "Formazione", "Governance"):
        ws = wb[title]
        for code, row in _rows_by_code(ws).items():
            if code in filled and code != "district_id":
                ws.cell(row, 3, filled[code])
    ws = wb["Interventi"]
    for r, values in enumerate(filled["interventions"], start=3):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value)


def _cache_formula(data: bytes, formula: str, value: str) -> bytes:
    """Give a formula the cached value Excel would have saved (openpyxl writes none)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                body = re.sub(
                    rb"<f>" + re.escape(formula.encode()) + rb"</f><v\s*/?>(</v>)?",
                    b"<f>" + formula.encode() + b"</f><v>" + value.encode() + b"</v>",
                    body,
                )
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


#: (wave, district number) -> what to spoil, each giving a warning.
PLANTED = {
    (2011, 3): ("Interventi", "D3", "€ 12.500,00"),
    (2011, 5): ("Interventi", "C3", "IN CORSO"),
    (2011, 7): ("Interventi", "F4", "dic 2012"),
    (2011, 9): ("Profilo", "referent_role", None),
    (2012, 4): ("Interventi", "D3", "=150000+25000"),
    (2012, 8): ("Profilo", "interview_date", "15/05/2012"),
    (2012, 11): ("Interventi", "E3", 900000.0),
    (2012, 14): ("Governance", "gov_camera", "abbastanza d'accordo "),
}


def _spoil(wb, where: tuple) -> None:
    sheet, key, value = where
    ws = wb[sheet]
    if sheet == "Interventi":
        ws[key] = value
    else:
        ws.cell(_rows_by_code(ws)[key], 3).value = value  # cell(..., None) would not clear


def build_wave(root: Path, wave: int) -> list[Path]:
    """Write the filled workbooks of one wave; return their paths."""
    instrument = load_instrument(root / str(wave) / "questionnaire.xlsx")
    districts = load_registry().districts(wave)
    out = root / str(wave) / "interviews"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for district_id, name in zip(districts["district_id"], districts["district_name"], strict=True):
        number = int(district_id[1:])
        wb = build_district_workbook(instrument, district_id, name)
        fill(wb, answers(instrument, number, wave))
        if (wave, number) in PLANTED:
            _spoil(wb, PLANTED[(wave, number)])
        data = workbook_bytes(wb)
        if (wave, number) == (2012, 4):
            data = _cache_formula(data, "150000+25000", "175000")
        path = out / f"{district_id}_{wave}.xlsx"
        path.write_bytes(data)
        written.append(path)
    return written


def build_messy(root: Path) -> list[Path]:
    """Write ``messy/``: part of the 2011 wave with errors the validator must report."""
    messy = root / "messy"
    if messy.exists():
        shutil.rmtree(messy)
    out = messy / "interviews"
    out.mkdir(parents=True)
    shutil.copyfile(root / "2011" / "questionnaire.xlsx", messy / "questionnaire.xlsx")
    instrument = load_instrument(messy / "questionnaire.xlsx")
    names = dict(load_registry().districts(2011)[["district_id", "district_name"]].values)
    spoils = {
        "D01": [("Interventi", "C3", "in ritardo")],  # not in the list: error + suggestion
        "D02": [("Interventi", "D3", -5000.0)],  # breaks ". >= 0"
        "D03": [],
        "D04": [],
        "D99": [],  # not in the registry
    }
    written = []
    for district_id, changes in spoils.items():
        number = int(district_id[1:])
        wb = build_district_workbook(instrument, district_id, names.get(district_id, "Fantasma"))
        fill(wb, answers(instrument, number, 2011))
        for change in changes:
            _spoil(wb, change)
        if district_id == "D03":
            wb["Governance"].title = "governance "  # renamed sheet: warning
            wb["Formazione"].sheet_state = "hidden"  # hidden data sheet: warning
        data = workbook_bytes(wb)
        written.append(out / f"{district_id}_2011.xlsx")
        written[-1].write_bytes(data)
        if district_id == "D04":  # the same interview sent twice
            written.append(out / "D04_2011_copia.xlsx")
            written[-1].write_bytes(data)
    written.append(out / "D05_2011.xlsx")
    written[-1].write_bytes(b"Questo non e' un file Excel: salvato male dalla posta.\n")
    return written


def main(argv: list[str] | None = None) -> int:
    """Write the demo interviews of 2011 and 2012 and the messy folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT / "data" / "raw" / "demo",
        help="folder holding <wave>/questionnaire.xlsx",
    )
    args = parser.parse_args(argv)
    for wave in (2011, 2012):
        for path in build_wave(args.root, wave):
            print(path)
    for path in build_messy(args.root):
        print(path)
    return 0


# ---------------------------------------------------------------- sentence templates (Italian)

PROGRESS = [
    "I lavori di arredo urbano sono partiti in ritardo per i tempi della gara d'appalto.",
    "Il cofinanziamento regionale è arrivato dopo più di un anno dalla rendicontazione.",
    "Abbiamo dovuto rivedere il cronoprogramma perché il patto di stabilità blocca i pagamenti.",
    "Gli interventi sulla viabilità sono fermi in attesa del parere della Provincia.",
    "Non ci sono stati ritardi significativi: gli interventi procedono secondo il programma.",
    "La rendicontazione richiesta dalla Regione è molto complessa e rallenta tutto.",
    "Le iniziative di animazione del centro storico sono state realizzate quasi tutte.",
    "Il bando per le imprese ha avuto poche domande e abbiamo riaperto i termini.",
    "Alcuni comuni non hanno ancora approvato la delibera di cofinanziamento.",
    "Non abbiamo incontrato difficoltà particolari, a parte i tempi della burocrazia.",
    "Il sistema di videosorveglianza è stato installato ma non è ancora collegato alla centrale.",
    "La segnaletica turistico-commerciale è stata completata nei tempi previsti.",
    "Manca personale negli uffici comunali per seguire la parte amministrativa del programma.",
    "La crisi economica ha ridotto la disponibilità dei commercianti a cofinanziare.",
    "Lo studio di fattibilità sui parcheggi è concluso, ma mancano le risorse per realizzarli.",
    "Le fiere e i mercati del sabato hanno funzionato bene e attirano visitatori.",
    "Il sito internet del distretto è online, però viene aggiornato poco.",
    "La variazione di bilancio necessaria è stata approvata solo a fine anno.",
    "Gli interventi sono stati ridimensionati perché il contributo è stato inferiore al previsto.",
    "Un intervento è stato annullato per un vincolo della Soprintendenza.",
    "Non ci sono problemi di avanzamento: siamo in linea con il cronoprogramma.",
    "L'avvio è stato lento perché il distretto è rimasto fermo per quasi un anno.",
    "I tempi delle gare pubbliche sono incompatibili con le scadenze del bando.",
    "La rendicontazione delle spese delle imprese private è la parte più difficile.",
    "Il ritardo dipende soprattutto dall'approvazione dei progetti esecutivi.",
    "Abbiamo chiesto una proroga alla Regione per concludere i lavori.",
    "Le iniziative promozionali sono partite subito, le opere pubbliche molto dopo.",
    "Il sistema di indicatori non è ancora stato costruito per mancanza di dati.",
    "Gli esercenti hanno partecipato poco alle iniziative di animazione.",
    "Il rifacimento della pavimentazione ha creato disagi ai negozi durante i lavori.",
    "Il cambio dell'amministrazione comunale ha rallentato le decisioni sugli interventi.",
    "Non è stato possibile spendere tutto il budget previsto entro la scadenza.",
    "I fondi per la comunicazione sono stati spesi quasi interamente.",
    "Le procedure di affidamento sono state rifatte per un errore formale.",
    "Senza un manager dedicato è difficile seguire tutti gli interventi.",
    "Alcune opere sono concluse, ma manca ancora il collaudo.",
    "Non abbiamo avuto difficoltà con la Regione, che ha risposto sempre in tempi brevi.",
    "La parte più complessa è coordinare i lavori tra comuni diversi.",
    "Gli interventi di efficienza energetica sono in progettazione da mesi.",
    "Il calendario degli eventi è stato rispettato e ampliato con risorse dei comuni.",
]

TRAINING = [
    "Gli operatori chiedono corsi brevi, in orari compatibili con l'apertura dei negozi.",
    "Serve formazione sull'uso dei social network per promuovere i negozi.",
    "Molti commercianti non vedono l'utilità della formazione e non partecipano.",
    "Non c'è bisogno di altri corsi teorici: servono laboratori pratici in negozio.",
    "La formazione sul commercio elettronico interessa soprattutto ai negozi più giovani.",
    "Sarebbe utile un percorso sull'allestimento delle vetrine.",
    "I commercianti anziani sono poco sensibili all'innovazione.",
    "Bisogna sensibilizzare gli operatori sull'importanza di fare rete tra negozi.",
    "I corsi serali dell'anno scorso hanno avuto una buona partecipazione.",
    "Non ci sono richieste di formazione da parte degli operatori.",
    "Servono competenze di gestione aziendale e controllo dei costi.",
    "Le lingue straniere sono importanti per l'accoglienza dei turisti.",
    "Gli operatori non conoscono le opportunità del distretto: va migliorata l'informazione.",
    "La formazione online potrebbe funzionare se accompagnata da incontri in presenza.",
    "Manca la consapevolezza che il negozio deve cambiare per sopravvivere.",
    "Una consulenza individuale in negozio sarebbe più efficace dei corsi collettivi.",
    "Gli operatori chiedono aggiornamenti sulle normative e sulla sicurezza.",
    "La fidelizzazione dei clienti è il tema che interessa di più.",
    "Le associazioni di categoria organizzano già corsi, ma pochi li frequentano.",
    "Non è un problema di contenuti ma di tempo: i negozianti lavorano da soli.",
    "Servirebbe una formazione comune per commercianti e amministratori.",
    "Le visite di studio in altri distretti sono state molto apprezzate.",
    "Non riteniamo prioritaria la formazione in questa fase del programma.",
    "Bisognerebbe spiegare meglio come partecipare ai bandi per le imprese.",
    "Gli operatori stranieri avrebbero bisogno di corsi sulle regole del commercio.",
    "Un corso di marketing digitale è stato richiesto da più commercianti.",
    "La partecipazione cresce quando i corsi sono gratuiti e vicini al negozio.",
    "Molti esercenti non sanno usare la posta elettronica per comunicare con il distretto.",
    "La sensibilizzazione deve partire dai giovani che subentrano nei negozi di famiglia.",
    "Non servono corsi, servono risultati concreti per convincere gli operatori.",
    "La formazione sulla sostenibilità ambientale interessa ai negozi di prodotti tipici.",
    "Gli operatori chiedono di imparare a vendere anche ai turisti dell'Oltrepò.",
    "I laboratori pratici sulle vetrine hanno avuto più iscritti del previsto.",
    "È difficile coinvolgere gli ambulanti nella formazione.",
    "La formazione dovrebbe essere obbligatoria per chi riceve i contributi del bando.",
    "Gli operatori non hanno tempo di partecipare a corsi lunghi.",
    "Servirebbe un tutor che segua i negozi nel passaggio al digitale.",
    "Non ci sono state iniziative di formazione finora nel distretto.",
    "La consapevolezza è cresciuta dopo i primi incontri del distretto.",
    "Gli operatori apprezzano gli incontri in cui si confrontano con altri commercianti.",
]

GOVERNANCE = [
    "Il coordinamento tra i comuni è difficile perché ognuno guarda al proprio territorio.",
    "Non ci sono problemi di coordinamento tra i comuni del distretto.",
    "Le associazioni di categoria partecipano poco alle riunioni del tavolo.",
    "Il manager di distretto è presente solo poche ore al mese.",
    "Le decisioni sono lente perché ogni passaggio richiede una delibera di giunta.",
    "Il cofinanziamento dei comuni piccoli è un problema costante.",
    "La burocrazia dei bandi regionali assorbe gran parte del lavoro.",
    "Il cambio di sindaco ha interrotto i rapporti costruiti con gli operatori.",
    "La comunicazione verso i commercianti è insufficiente.",
    "La cabina di regia si riunisce regolarmente e funziona bene.",
    "Non c'è una figura che coordini davvero il distretto.",
    "Il comune capofila decide quasi tutto da solo.",
    "La Camera di Commercio sostiene il distretto, ma servirebbe più presenza sul territorio.",
    "I rapporti con la Regione sono lenti e le risposte arrivano tardi.",
    "Non abbiamo criticità particolari nella gestione del distretto.",
    "Le associazioni sono coinvolte ma non hanno risorse da mettere in campo.",
    "Manca un regolamento che chiarisca chi decide e come.",
    "I comuni più piccoli si sentono esclusi dalle decisioni.",
    "Il turnover dei funzionari comunali fa perdere continuità.",
    "Non esiste un budget comune per le spese di funzionamento del distretto.",
    "Il tavolo di distretto non si è più riunito dopo l'approvazione del programma.",
    "Il manager è stato nominato da poco e deve ancora farsi conoscere.",
    "Non ci sono conflitti tra comuni e associazioni.",
    "Gli operatori non sanno chi sia il referente del distretto.",
    "Le decisioni vengono prese in fretta, senza consultare i commercianti.",
    "La collaborazione con Ascom e Confesercenti è buona.",
    "Il distretto è troppo grande per essere coordinato senza una struttura dedicata.",
    "La mancanza di risorse per il personale blocca la governance.",
    "Le riunioni sono frequenti ma poco operative.",
    "I comuni non hanno ancora firmato il nuovo accordo di distretto.",
    "Il rapporto con la Provincia non è chiaro.",
    "Non è un problema di governance ma di risorse economiche.",
    "Le scadenze regionali costringono a decidere senza un vero confronto.",
    "Alcuni comuni hanno lasciato il distretto e questo ha creato incertezza.",
    "Serve un manager di distretto stabile, non legato a un singolo progetto.",
    "Il coinvolgimento delle associazioni è migliorato rispetto all'anno scorso.",
    "La comunicazione tra i comuni avviene solo per posta elettronica.",
    "Non vediamo criticità nel rapporto con la Camera di Commercio.",
    "La rendicontazione comune obbliga tutti a seguire i tempi del comune più lento.",
    "Il distretto dipende dalla buona volontà di pochi amministratori.",
]

DESCRIPTIONS = {
    "comunicazione_marketing": [
        "Marchio e sito web del distretto",
        "Guida ai negozi del centro",
        "Campagna promozionale sulla stampa locale",
    ],
    "promozione_eventi": [
        "Calendario di eventi nel centro storico",
        "Notte bianca del commercio",
        "Mercatini di Natale",
    ],
    "arredo_urbano": [
        "Rifacimento della pavimentazione di via Roma",
        "Nuove panchine e fioriere",
        "Illuminazione della piazza principale",
    ],
    "accessibilita_mobilita": [
        "Parcheggio di interscambio",
        "Segnaletica verso il centro",
        "Abbattimento delle barriere architettoniche",
    ],
    "sicurezza": ["Videosorveglianza delle vie commerciali", "Illuminazione dei portici"],
    "servizi_imprese": ["Sportello unico per i commercianti", "Servizio di consegna a domicilio"],
    "sostenibilita_energetica": [
        "Illuminazione a LED delle vie commerciali",
        "Audit energetico dei negozi",
    ],
    "studi_fattibilita": ["Studio sulla mobilità nel centro", "Analisi dell'offerta commerciale"],
    "sistemi_indicatori": ["Osservatorio sui flussi di visitatori", "Indicatori di monitoraggio"],
    "formazione_operatori": ["Corsi di vetrinistica", "Corso di marketing digitale"],
    "fiere": ["Fiera dei prodotti tipici", "Mercato agricolo del sabato"],
    "bandi_imprese": [
        "Bando per il rinnovo dei negozi",
        "Contributi per l'apertura di negozi sfitti",
    ],
}


if __name__ == "__main__":
    raise SystemExit(main())
