"""Build the questionnaires of the two synthetic demo waves (2011 and 2012).

Run once from the repository root; the workbooks are committed under ``data/raw/demo/<wave>/``
and the researchers edit them from then on. The same inputs always give the same bytes.

    python tools/make_questionnaires.py [--root DIR]
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from distretti_survey.xlsx_io import safe_text, stable_save

ROOT = Path(__file__).resolve().parents[1]
CODING_FRAME_CSV = ROOT / "src" / "distretti_survey" / "resources" / "coding_frame.csv"
IT, EN = "label::Italiano (it)", "label::English (en)"
HINT_IT, HINT_EN = "hint::Italiano (it)", "hint::English (en)"
MESSAGE_IT, MESSAGE_EN = "constraint_message::Italiano (it)", "constraint_message::English (en)"
SOFT_IT, SOFT_EN = "soft_constraint_message::Italiano (it)", "soft_constraint_message::English (en)"
# Column order of the survey sheet; the tuples below keep the older (type .. pii) layout.
SURVEY_COLUMNS = ("type", "name", IT, EN, HINT_IT, HINT_EN, "required", "relevant",
                  "constraint", MESSAGE_IT, MESSAGE_EN, "soft_constraint", SOFT_IT, SOFT_EN,
                  "theme", "pii")  # fmt: skip
CHOICES_COLUMNS = ("list_name", "name", IT, EN, "score", "role")
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "wave", "default_language", "synthetic",
                    "organisation", "survey_title", "source")  # fmt: skip
CODING_FRAME_COLUMNS = ("code_id", "theme", "parent", IT, EN, "definition", "use_when",
                        "not_when", "examples", "keywords", "patterns", "polarity")  # fmt: skip
CROSSWALK_COLUMNS = ("kind", "from_wave", "to_wave", "old", "new", "comparable", "note")

LIKERT_HINT = "Leggere le modalità di risposta; «Non so» non va suggerito."
AGREE_HINT = "Grado di accordo con l'affermazione. " + LIKERT_HINT

HINTS_EN = {
    "Precompilato: non modificare.": "Pre-filled: do not change.",
    "Giorno in cui si è svolta l'intervista.": "Day on which the interview took place.",
    "Dato personale: non compare nei risultati.": "Personal data: never shown in the results.",
    "Chiedere il consenso alla fine dell'intervista.": "Ask for consent at the end of the "
    "interview.",
    "Ambito secondo il bando regionale.": "Area as defined by the regional call.",
    "Breve descrizione, come nel programma di intervento.": "Short description, as in the "
    "intervention programme.",
    "Importo in euro, senza simbolo di valuta.": "Amount in euro, without currency symbol.",
    "Importo in euro già speso o impegnato.": "Amount in euro already spent or committed.",
    "Riportare la risposta con le parole dell'intervistato.": "Write down the answer in the "
    "respondent's own words.",
    "Sono possibili più risposte.": "More than one answer is possible.",
    LIKERT_HINT: "Read out the answer options; do not suggest «Don't know».",
    AGREE_HINT: "Agreement with the statement. Read out the answer options; do not suggest "
    "«Don't know».",
    "Sono possibili più risposte; «Nessuna criticità» esclude le altre.": "More than one "
    "answer is possible; «No problems» excludes the others.",
}
#: Budgets above this many euro per intervention are typing mistakes (issue 14: 10^15 euro).
BUDGET_CAP = "10000000"
BUDGET_CONSTRAINT = f". >= 0 and . <= {BUDGET_CAP}"
BUDGET_MESSAGE = (
    "L'importo deve essere in euro, tra 0 e 10.000.000 per intervento.",
    "The amount must be in euro, between 0 and 10,000,000 per intervention.",
)
#: question -> (constraint, Italian message, English message); replaces the tuple's constraint.
CONSTRAINTS = {
    "interview_date": (". <= today() and . >= date('2000-01-01')",
                       "La data dell'intervista non può essere nel futuro né prima del 2000.",
                       "The interview date cannot be in the future or before 2000."),
    "referent_email": (r"regex(., '^[^@\s]+@[^@\s]+\.[^@\s]+$')",
                       "Indirizzo email non valido (esempio: nome@comune.pv.it).",
                       "Not a valid email address (e.g. name@comune.pv.it)."),
    "budget_planned": (BUDGET_CONSTRAINT, *BUDGET_MESSAGE),
    "budget_spent": (BUDGET_CONSTRAINT, *BUDGET_MESSAGE),
    "gov_problems": ("not(selected(., 'nessuno') and count-selected(.) > 1)",
                     "«Nessuna criticità» esclude le altre risposte.",
                     "«No problems» excludes the other answers."),
}  # fmt: skip
#: question -> (condition that should hold, Italian, English): when false, a warning only.
SOFT_CONSTRAINTS = {
    "budget_spent": (". <= coalesce(${budget_planned}, .)",
                     "La spesa sostenuta supera il budget previsto: verificare i due importi.",
                     "Spending exceeds the planned budget: check both amounts."),
}  # fmt: skip
#: (list, option) -> role: what the option means to general code (see ARCHITECTURE.md).
ROLES = {
    ("ruolo", "altro"): "other",
    ("stato", "non_avviato"): "not_started",
    ("stato", "in_progettazione"): "in_progress",
    ("stato", "in_corso"): "in_progress",
    ("stato", "completato"): "completed",
    ("stato", "annullato"): "cancelled",
    ("livello", "non_so"): "dont_know",
    ("accordo", "non_so"): "dont_know",
    ("accordo", "non_applicabile"): "not_applicable",
    ("problemi", "nessuno"): "none",
}

# (type, name, Italian, English, required, constraint, relevant, hint, theme, pii)
SURVEY_2011 = [
    ("begin_group", "profilo", "Profilo dell'intervista", "Interview profile", "", "", "", "",
     "profile", ""),
    ("text", "district_id", "Codice del distretto", "District code", "yes", "", "",
     "Precompilato: non modificare.", "profile", ""),
    ("date", "interview_date", "Data dell'intervista", "Interview date", "yes", ". <= today()", "",
     "Giorno in cui si è svolta l'intervista.", "profile", ""),
    ("select_one ruolo", "referent_role", "Ruolo del referente intervistato",
     "Role of the interviewed referent", "yes", "", "", "", "profile", ""),
    ("text", "referent_name", "Nome e cognome del referente", "Referent's full name", "", "", "",
     "Dato personale: non compare nei risultati.", "profile", "yes"),
    ("text", "referent_email", "Email del referente", "Referent's email", "",
     r"regex(., '^[^@\s]+@[^@\s]+\.[^@\s]+$')", "", "Dato personale: non compare nei risultati.",
     "profile", "yes"),
    ("text", "referent_phone", "Telefono del referente", "Referent's phone number", "", "", "",
     "Dato personale: non compare nei risultati.", "profile", "yes"),
    ("select_one si_no", "quote_district_ok",
     "Nelle citazioni delle sue risposte si può indicare il nome del distretto?",
     "May quotations of your answers name the district?", "yes", "", "",
     "Chiedere il consenso alla fine dell'intervista.", "profile", ""),
    ("end_group", "", "", "", "", "", "", "", "", ""),
    ("begin_group", "avanzamento", "Stato di avanzamento del programma",
     "Progress of the district programme", "", "", "", "", "progress", ""),
    ("begin_repeat", "interventions", "Interventi previsti dal programma di distretto",
     "Interventions planned in the district programme", "", "", "", "", "progress", ""),
    ("select_one area", "area", "Ambito dell'intervento", "Area of the intervention", "yes", "",
     "", "Ambito secondo il bando regionale.", "progress", ""),
    ("text", "description", "Descrizione dell'intervento", "Description of the intervention", "",
     "", "", "Breve descrizione, come nel programma di intervento.", "progress", ""),
    ("select_one stato", "status", "Stato di attuazione", "Implementation status", "yes", "", "",
     "", "progress", ""),
    ("decimal", "budget_planned", "Budget previsto (euro)", "Planned budget (euro)", "", ". >= 0",
     "", "Importo in euro, senza simbolo di valuta.", "progress", ""),
    ("decimal", "budget_spent", "Spesa sostenuta finora (euro)", "Spending to date (euro)", "",
     ". >= 0", "", "Importo in euro già speso o impegnato.",
     "progress", ""),
    ("date", "end_planned", "Data di conclusione prevista", "Planned completion date", "", "", "",
     "", "progress", ""),
    ("end_repeat", "", "", "", "", "", "", "", "", ""),
    ("text", "progress_difficulties",
     "Quali difficoltà ha incontrato il distretto nel realizzare gli interventi previsti?",
     "What difficulties has the district met in carrying out the planned interventions?", "", "",
     "", "Riportare la risposta con le parole dell'intervistato.", "progress", ""),
    ("end_group", "", "", "", "", "", "", "", "", ""),
    ("begin_group", "formazione", "Sensibilizzazione e formazione degli operatori",
     "Awareness and training of shop operators", "", "", "", "", "training", ""),
    ("select_multiple temi_formazione", "training_topics",
     "Su quali temi gli operatori del commercio avrebbero più bisogno di formazione?",
     "On which topics do shop operators most need training?", "", "", "",
     "Sono possibili più risposte.", "training", ""),
    ("select_one livello", "training_awareness",
     "Quanto sono consapevoli gli operatori dell'importanza della formazione?",
     "How aware are operators of the importance of training?", "yes", "", "", LIKERT_HINT,
     "training", ""),
    ("select_one livello", "training_participation",
     "Come valuta la partecipazione degli operatori alle iniziative di formazione già svolte?",
     "How do you rate operators' participation in past training initiatives?", "yes", "", "",
     LIKERT_HINT, "training", ""),
    ("select_multiple formati", "training_formats",
     "Quali formati di formazione sarebbero più adatti agli operatori?",
     "Which training formats would suit operators best?", "", "", "",
     "Sono possibili più risposte.", "training", ""),
    ("text", "training_needs_text",
     "Quali sono le principali esigenze di sensibilizzazione e formazione degli operatori?",
     "What are the operators' main awareness and training needs?", "", "", "",
     "Riportare la risposta con le parole dell'intervistato.", "training", ""),
    ("end_group", "", "", "", "", "", "", "", "", ""),
    ("begin_group", "governance", "Governance del distretto", "Governance of the district", "",
     "", "", "", "governance", ""),
    ("select_one accordo", "gov_comuni", "I comuni del distretto collaborano in modo efficace.",
     "The district's municipalities work together effectively.", "yes", "", "", AGREE_HINT,
     "governance", ""),
    ("select_one accordo", "gov_associazioni",
     "Le associazioni di categoria partecipano attivamente alle decisioni del distretto.",
     "Trade associations take an active part in the district's decisions.", "yes", "", "",
     AGREE_HINT, "governance", ""),
    ("select_one accordo", "gov_camera",
     "La Camera di Commercio sostiene il distretto in modo adeguato.",
     "The Chamber of Commerce gives the district adequate support.", "yes", "", "", AGREE_HINT,
     "governance", ""),
    ("select_one accordo", "gov_regione",
     "I rapporti con Regione Lombardia sono chiari e tempestivi.",
     "Relations with Regione Lombardia are clear and timely.", "yes", "", "", AGREE_HINT,
     "governance", ""),
    ("select_one accordo", "gov_manager",
     "Il manager di distretto coordina efficacemente le attività.",
     "The district manager coordinates activities effectively.", "yes", "", "", AGREE_HINT,
     "governance", ""),
    ("select_multiple problemi", "gov_problems",
     "Quali sono le principali criticità nella governance del distretto?",
     "What are the main problems in the district's governance?", "",
     "not(selected(., 'nessuno') and count-selected(.) > 1)", "",
     "Sono possibili più risposte; «Nessuna criticità» esclude le altre.", "governance", ""),
    ("text", "gov_problems_text", "Può descrivere le criticità di governance che ha indicato?",
     "Could you describe the governance problems you mentioned?", "", "",
     "not(selected(${gov_problems}, 'nessuno'))",
     "Riportare la risposta con le parole dell'intervistato.", "governance", ""),
    ("end_group", "", "", "", "", "", "", "", "", ""),
]  # fmt: skip

# (list_name, name, Italian, English, score)
CHOICES_2011 = [
    ("ruolo", "sindaco", "Sindaco", "Mayor", None),
    ("ruolo", "assessore_commercio", "Assessore al commercio", "Councillor for trade", None),
    ("ruolo", "funzionario_comunale", "Funzionario comunale", "Municipal officer", None),
    ("ruolo", "manager_distretto", "Manager di distretto", "District manager", None),
    ("ruolo", "associazione_categoria", "Rappresentante di associazione di categoria",
     "Trade association representative", None),
    ("ruolo", "altro", "Altro", "Other", None),
    ("si_no", "si", "Sì", "Yes", None),
    ("si_no", "no", "No", "No", None),
    ("area", "comunicazione_marketing", "Comunicazione e marketing", "Communication and marketing",
     None),
    ("area", "promozione_eventi", "Promozione ed eventi", "Promotion and events", None),
    ("area", "arredo_urbano", "Arredo urbano e riqualificazione", "Street furniture and renewal",
     None),
    ("area", "accessibilita_mobilita", "Accessibilità e mobilità", "Access and mobility", None),
    ("area", "sicurezza", "Sicurezza", "Security", None),
    ("area", "servizi_imprese", "Servizi comuni per le imprese", "Shared services for businesses",
     None),
    ("area", "sostenibilita_energetica", "Sostenibilità energetica", "Energy sustainability", None),
    ("area", "studi_fattibilita", "Studi di fattibilità", "Feasibility studies", None),
    ("area", "sistemi_indicatori", "Sistemi di indicatori", "Indicator systems", None),
    ("area", "formazione_operatori", "Formazione degli operatori", "Training for operators", None),
    ("area", "fiere", "Fiere e mercati", "Fairs and markets", None),
    ("area", "bandi_imprese", "Bandi per le imprese", "Grant calls for businesses", None),
    ("stato", "non_avviato", "Non avviato", "Not started", None),
    ("stato", "in_progettazione", "In progettazione", "Being designed", None),
    ("stato", "in_corso", "In corso", "Under way", None),
    ("stato", "completato", "Completato", "Completed", None),
    ("stato", "annullato", "Annullato", "Cancelled", None),
    ("temi_formazione", "marketing_digitale", "Marketing digitale e social network",
     "Digital marketing and social media", None),
    ("temi_formazione", "commercio_elettronico", "Commercio elettronico", "E-commerce", None),
    ("temi_formazione", "vetrine_allestimento", "Vetrine e allestimento del negozio",
     "Window dressing and shop layout", None),
    ("temi_formazione", "accoglienza_lingue", "Accoglienza e lingue straniere",
     "Hospitality and foreign languages", None),
    ("temi_formazione", "gestione_aziendale", "Gestione aziendale e controllo dei costi",
     "Business management and cost control", None),
    ("temi_formazione", "normative_sicurezza", "Normative e sicurezza", "Regulations and safety",
     None),
    ("temi_formazione", "fidelizzazione_clienti", "Fidelizzazione dei clienti",
     "Customer loyalty", None),
    ("temi_formazione", "reti_impresa", "Reti d'impresa e collaborazione tra negozi",
     "Business networks and cooperation between shops", None),
    ("livello", "molto_basso", "Molto basso", "Very low", 1),
    ("livello", "basso", "Basso", "Low", 2),
    ("livello", "medio", "Medio", "Medium", 3),
    ("livello", "alto", "Alto", "High", 4),
    ("livello", "molto_alto", "Molto alto", "Very high", 5),
    ("livello", "non_so", "Non so", "Don't know", None),
    ("formati", "corsi_serali", "Corsi serali", "Evening courses", None),
    ("formati", "laboratori_pratici", "Laboratori pratici", "Hands-on workshops", None),
    ("formati", "online", "Formazione online", "Online training", None),
    ("formati", "consulenza_individuale", "Consulenza individuale in negozio",
     "One-to-one coaching in the shop", None),
    ("formati", "visite_studio", "Visite di studio", "Study visits", None),
    ("accordo", "per_niente", "Per niente d'accordo", "Strongly disagree", 1),
    ("accordo", "poco", "Poco d'accordo", "Disagree", 2),
    ("accordo", "abbastanza", "Abbastanza d'accordo", "Somewhat agree", 3),
    ("accordo", "molto", "Molto d'accordo", "Agree", 4),
    ("accordo", "del_tutto", "Del tutto d'accordo", "Strongly agree", 5),
    ("accordo", "non_so", "Non so", "Don't know", None),
    ("accordo", "non_applicabile", "Non applicabile", "Not applicable", None),
    ("problemi", "coordinamento_comuni", "Scarso coordinamento tra i comuni",
     "Poor coordination between municipalities", None),
    ("problemi", "coinvolgimento_associazioni", "Scarso coinvolgimento delle associazioni",
     "Little involvement of trade associations", None),
    ("problemi", "manager_assente", "Manager di distretto assente o poco presente",
     "District manager absent or rarely present", None),
    ("problemi", "decisioni_lente", "Decisioni lente", "Slow decisions", None),
    ("problemi", "cofinanziamento", "Difficoltà di cofinanziamento", "Co-financing difficulties",
     None),
    ("problemi", "burocrazia_bandi", "Burocrazia dei bandi regionali",
     "Red tape of the regional calls", None),
    ("problemi", "turnover_amministrativo", "Cambi nelle amministrazioni comunali",
     "Turnover in municipal administrations", None),
    ("problemi", "comunicazione_operatori", "Comunicazione insufficiente verso gli operatori",
     "Poor communication with shop operators", None),
    ("problemi", "nessuno", "Nessuna criticità", "No problems", None),
]  # fmt: skip

NEW_OPTION = ("temi_formazione", "sostenibilita_ambientale", "Sostenibilità ambientale",
              "Environmental sustainability", None)  # fmt: skip
GOV_MANAGER_2012 = (
    "Il distretto dispone di un manager che coordina le attività con continuità.",
    "The district has a manager who coordinates activities on an ongoing basis.",
)

CROSSWALK_2012 = [
    ("question_renamed", 2011, 2012, "training_awareness", "training_awareness_operators", "yes",
     "Stessa domanda e stessa scala; nome reso più esplicito."),
    ("question_reworded", 2011, 2012, "gov_manager", "gov_manager", "no",
     "Nel 2011 si valutava l'efficacia del manager, nel 2012 se il distretto ha un manager "
     "stabile: le risposte non sono confrontabili."),
    ("option_added", 2011, 2012, "", "temi_formazione/sostenibilita_ambientale", "no",
     "Opzione nuova nel 2012: nessun confronto con il 2011; le altre opzioni restano "
     "confrontabili, ma la loro quota può calare per la nuova alternativa."),
    ("district_added", 2011, 2012, "", "D19", "no",
     "Santa Maria della Versa, il distretto più recente (la Provincia Pavese, maggio 2012)."),
]  # fmt: skip


def _survey_row(row: tuple) -> tuple:
    """Return one (type .. pii) tuple in the order of ``SURVEY_COLUMNS``."""
    kind, name, it, en, required, constraint, relevant, hint, theme, pii = row
    constraint, message_it, message_en = CONSTRAINTS.get(name, (constraint, "", ""))
    soft, soft_it, soft_en = SOFT_CONSTRAINTS.get(name, ("", "", ""))
    hint_en = HINTS_EN[hint] if hint else ""
    return (kind, name, it, en, hint, hint_en, required, relevant, constraint, message_it,
            message_en, soft, soft_it, soft_en, theme, pii)  # fmt: skip


def survey_rows(wave: int) -> list[tuple]:
    """Return the ``survey`` rows of a demo wave, in the order of ``SURVEY_COLUMNS``."""
    return [_survey_row(row) for row in _survey_tuples(wave)]


def _survey_tuples(wave: int) -> list[tuple]:
    rows = list(SURVEY_2011)
    if wave >= 2012:
        for i, row in enumerate(rows):
            if row[1] == "training_awareness":
                rows[i] = (row[0], "training_awareness_operators",
                           "Quanto sono consapevoli gli operatori del commercio dell'importanza "
                           "della formazione?", *row[3:])  # fmt: skip
            elif row[1] == "gov_manager":
                rows[i] = (row[0], row[1], *GOV_MANAGER_2012, *row[4:])
    return rows


def choice_rows(wave: int) -> list[tuple]:
    """Return the ``choices`` rows of a demo wave, with their ``role``."""
    rows = list(CHOICES_2011)
    if wave >= 2012:
        last = max(i for i, row in enumerate(rows) if row[0] == NEW_OPTION[0])
        rows.insert(last + 1, NEW_OPTION)
    return [(*row, ROLES.get((row[0], row[1]), "")) for row in rows]


def coding_frame_rows(path: Path = CODING_FRAME_CSV) -> list[tuple]:
    """Return the coding frame rows from the packaged CSV (none when it does not exist yet)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [tuple(rec.get(c) or "" for c in CODING_FRAME_COLUMNS) for rec in csv.DictReader(fh)]


def _sheet(wb: Workbook, title: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    ws = wb.create_sheet(title)
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_text(v) if v not in ("", None) else None for v in row])
    ws.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        longest = max([len(str(column)), *(len(str(r[index - 1] or "")) for r in rows)])
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))


def build_questionnaire(wave: int, coding_frame: list[tuple]) -> Workbook:
    """Return the questionnaire workbook of a demo wave."""
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "survey", SURVEY_COLUMNS, survey_rows(wave))
    _sheet(wb, "choices", CHOICES_COLUMNS, choice_rows(wave))
    title = f"Indagine sui Distretti del Commercio della Provincia di Pavia {wave} (dati sintetici)"
    # Names the report shows (title slide, source line) come from here, not from code.
    settings = [(title, "distretti_pv", f"{wave}.1", wave, "Italiano (it)", "yes",
                 "Paviasviluppo - Camera di Commercio di Pavia",
                 "I Distretti del Commercio della Provincia di Pavia",
                 "Fonte: indagine Paviasviluppo presso i referenti dei Distretti del Commercio, "
                 "{wave}")]  # fmt: skip
    _sheet(wb, "settings", SETTINGS_COLUMNS, settings)
    _sheet(wb, "coding_frame", CODING_FRAME_COLUMNS, coding_frame)
    if wave >= 2012:
        _sheet(wb, "crosswalk", CROSSWALK_COLUMNS, CROSSWALK_2012)
    wb.properties.title = title
    wb.properties.creator = "distretti_survey (tools/make_questionnaires.py)"
    return wb


def main(argv: list[str] | None = None) -> int:
    """Write ``data/raw/demo/<wave>/questionnaire.xlsx`` for 2011 and 2012."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT / "data" / "raw" / "demo",
                        help="folder holding one subfolder per wave")  # fmt: skip
    args = parser.parse_args(argv)
    frame = coding_frame_rows()
    if not frame:
        print(f"{CODING_FRAME_CSV} non trovato: foglio coding_frame con la sola intestazione.")
    for wave in (2011, 2012):
        out = args.root / str(wave)
        out.mkdir(parents=True, exist_ok=True)
        print(stable_save(build_questionnaire(wave, frame), out / "questionnaire.xlsx"))
    messy = args.root / "messy"
    if messy.is_dir():  # the messy demo wave uses the 2011 questionnaire
        shutil.copyfile(args.root / "2011" / "questionnaire.xlsx", messy / "questionnaire.xlsx")
        print(messy / "questionnaire.xlsx")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
