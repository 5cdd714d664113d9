"""Negation with a scope, both ways: hand-written answers and whether a code must be suggested.

Each row is (theme, answer, code, expected): ``True`` when a careful coder reading the frame's
definition would apply the code, ``False`` when not. Absence codes (``polarity`` = absence in
the frame: coordination, manager, resources, training needs...) are present when their topic
is missing ("non c'è coordinamento"); a negated problem or a positive verdict clears the
clause ("nessun problema", "funziona benissimo"). The cases were written for this test, not
taken from the demo data or the development set.
"""

import pandas as pd
import pytest

from distretti_survey.coding.frame import load_frame
from distretti_survey.coding.suggest import Suggester

# fmt: off
CASES = [
    # theme        answer                                                            code                    expected
    ("governance", "Non c'è coordinamento tra i comuni.",                             "GOV_COORDINAMENTO",     True),
    ("governance", "Non ci sono problemi di coordinamento.",                          "GOV_COORDINAMENTO",     False),
    ("governance", "Con la Regione nessun problema.",                                 "GOV_BUROCRAZIA",        False),
    ("governance", "La cabina di regia funziona benissimo.",                          "GOV_DECISIONI",         False),
    ("governance", "La cabina di regia non funziona: si decide poco e tardi.",        "GOV_DECISIONI",         True),
    ("governance", "Manca un manager dedicato.",                                      "GOV_MANAGER",           True),
    ("governance", "Il manager non c'è più da un anno.",                              "GOV_MANAGER",           True),
    ("governance", "Il manager c'è e lavora bene.",                                   "GOV_MANAGER",           False),
    ("governance", "I comuni non hanno soldi in bilancio.",                           "GOV_RISORSE",           True),
    ("governance", "Nessun problema di risorse, per ora.",                            "GOV_RISORSE",           False),
    ("governance", "Le associazioni di categoria non partecipano mai.",               "GOV_ASSOCIAZIONI",      True),
    ("governance", "Con le associazioni nessuna difficoltà.",                         "GOV_ASSOCIAZIONI",      False),
    ("governance", "Nessuna informazione arriva ai negozianti.",                      "GOV_COMUNICAZIONE",     True),
    ("governance", "La comunicazione con i commercianti non è un problema.",          "GOV_COMUNICAZIONE",     False),
    ("governance", "Non c'è burocrazia eccessiva.",                                   "GOV_BUROCRAZIA",        False),
    ("governance", "La burocrazia della Regione non finisce mai.",                    "GOV_BUROCRAZIA",        True),
    ("governance", "Il distretto non è mai stato fermo.",                             "GOV_INATTIVITA",        False),
    ("governance", "Il distretto è fermo da un anno.",                                "GOV_INATTIVITA",        True),
    ("governance", "Nessun cambio di sindaco negli ultimi anni.",                     "GOV_COORD_TURNOVER",    False),
    ("governance", "Con le elezioni è cambiato il sindaco e si riparte da zero.",     "GOV_COORD_TURNOVER",    True),
    ("governance", "Il capofila non guida il distretto.",                             "GOV_COORD_CAPOFILA",    True),
    ("governance", "Senza un referente unico non si va avanti.",                      "GOV_MANAGER",           True),
    ("governance", "Mancano i fondi per la quota dei comuni.",                        "GOV_RISORSE",           True),
    ("governance", "Assenza di coordinamento tra i sindaci.",                         "GOV_COORDINAMENTO",     True),
    ("governance", "I sindaci non si parlano.",                                       "GOV_COORDINAMENTO",     True),
    ("governance", "Le riunioni non sono un problema, ci vediamo spesso.",            "GOV_DECISIONI",         False),
    ("governance", "Il tavolo non si riunisce quasi mai e non si decide.",            "GOV_DECISIONI",         True),
    ("governance", "Nessun problema particolare.",                                    "GOV_NESSUNA",           True),
    ("governance", "Non funziona niente.",                                            "GOV_NESSUNA",           False),
    ("progress",   "Nessun ritardo sui lavori.",                                      "PRG_RITARDI",           False),
    ("progress",   "Nessun ritardo sui lavori.",                                      "PRG_RIT_LAVORI",        False),
    ("progress",   "I lavori non sono ancora partiti.",                               "PRG_RIT_LAVORI",        True),
    ("progress",   "I lavori non sono fermi, procedono.",                             "PRG_RIT_LAVORI",        False),
    ("progress",   "Non abbiamo dati sull'effetto delle iniziative.",                 "PRG_MONITORAGGIO",      True),
    ("progress",   "Il monitoraggio funziona bene.",                                  "PRG_MONITORAGGIO",      False),
    ("progress",   "Mancano ancora i soldi dell'anticipo regionale.",                 "PRG_RIT_FONDI",         True),
    ("progress",   "Nessun intervento è stato completato.",                           "PRG_REALIZZATI",        False),
    ("progress",   "Abbiamo completato il programma senza problemi.",                 "PRG_REALIZZATI",        True),
    ("progress",   "Non è stata chiesta nessuna variante al programma.",              "PRG_RIMODULAZIONE",     False),
    ("progress",   "Nessuna gara è andata deserta.",                                  "PRG_RIT_PROCEDURE",     False),
    ("progress",   "I commercianti non hanno aderito al bando.",                      "PRG_PARTECIPAZIONE",    True),
    ("progress",   "Non c'è stato alcun ritardo.",                                    "PRG_RITARDI",           False),
    ("progress",   "Siamo in ritardo, non c'è niente da fare.",                       "PRG_RITARDI",           True),
    ("training",   "Senza vetrine curate non si vende.",                              "FOR_VETRINE",           True),
    ("training",   "Non servono corsi di inglese.",                                   "FOR_ACC_LINGUE",        False),
    ("training",   "Non sanno l'inglese.",                                            "FOR_ACC_LINGUE",        True),
    ("training",   "Non hanno bisogno di corsi sui social.",                          "FOR_DIG_MARKETING",     False),
    ("training",   "Molti non usano il computer.",                                    "FOR_DIGITALE",          True),
    ("training",   "Nessuno sa vendere online.",                                      "FOR_DIG_ECOMMERCE",     True),
    ("training",   "La contabilità non interessa a nessuno.",                         "FOR_GESTIONE",          False),
    ("training",   "I negozianti non collaborano tra loro.",                          "FOR_RETI",              True),
    ("training",   "Mancanza di conoscenza delle norme igieniche.",                   "FOR_NORMATIVE",         True),
    ("training",   "Corsi sull'accoglienza non sono necessari.",                      "FOR_ACCOGLIENZA",       False),
    ("training",   "Una tessera fedeltà qui non serve.",                              "FOR_ACC_FIDELIZZAZIONE", False),
]
# fmt: on


@pytest.fixture(scope="module")
def suggester():
    return Suggester(load_frame())


def test_table_has_enough_cases_both_ways():
    expected = pd.Series([case[3] for case in CASES])
    assert len(CASES) >= 40
    assert expected.sum() >= 15 and (~expected).sum() >= 15


@pytest.mark.parametrize(("theme", "text", "code", "expected"), CASES)
def test_negation_case(suggester, theme, text, code, expected):
    found = {c for c, _, _ in suggester.suggest_text(text, theme)}
    assert (code in found) == expected, f"{text!r}: {sorted(found)}"


def test_rule_with_its_own_negation_is_not_negated_by_it(suggester):
    # the pattern spells "non ... partiti": its "non" is part of the rule
    found = dict((c, e) for c, e, _ in suggester.suggest_text("I lavori non sono partiti.", "progress"))
    assert found["PRG_RIT_LAVORI"] == "lavori non sono partiti"
