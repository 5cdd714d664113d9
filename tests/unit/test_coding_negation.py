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

# theme (gov, prg, for) | + the code applies, - it does not | code | answer
TABLE = """
gov  +  GOV_COORDINAMENTO       Non c'è coordinamento tra i comuni.
gov  -  GOV_COORDINAMENTO       Non ci sono problemi di coordinamento.
gov  -  GOV_BUROCRAZIA          Con la Regione nessun problema.
gov  -  GOV_DECISIONI           La cabina di regia funziona benissimo.
gov  +  GOV_DECISIONI           La cabina di regia non funziona: si decide poco e tardi.
gov  +  GOV_MANAGER             Manca un manager dedicato.
gov  +  GOV_MANAGER             Il manager non c'è più da un anno.
gov  -  GOV_MANAGER             Il manager c'è e lavora bene.
gov  +  GOV_RISORSE             I comuni non hanno soldi in bilancio.
gov  -  GOV_RISORSE             Nessun problema di risorse, per ora.
gov  +  GOV_ASSOCIAZIONI        Le associazioni di categoria non partecipano mai.
gov  -  GOV_ASSOCIAZIONI        Con le associazioni nessuna difficoltà.
gov  +  GOV_COMUNICAZIONE       Nessuna informazione arriva ai negozianti.
gov  -  GOV_COMUNICAZIONE       La comunicazione con i commercianti non è un problema.
gov  -  GOV_BUROCRAZIA          Non c'è burocrazia eccessiva.
gov  +  GOV_BUROCRAZIA          La burocrazia della Regione non finisce mai.
gov  -  GOV_INATTIVITA          Il distretto non è mai stato fermo.
gov  +  GOV_INATTIVITA          Il distretto è fermo da un anno.
gov  -  GOV_COORD_TURNOVER      Nessun cambio di sindaco negli ultimi anni.
gov  +  GOV_COORD_TURNOVER      Con le elezioni è cambiato il sindaco e si riparte da zero.
gov  +  GOV_COORD_CAPOFILA      Il capofila non guida il distretto.
gov  +  GOV_MANAGER             Senza un referente unico non si va avanti.
gov  +  GOV_RISORSE             Mancano i fondi per la quota dei comuni.
gov  +  GOV_COORDINAMENTO       Assenza di coordinamento tra i sindaci.
gov  +  GOV_COORDINAMENTO       I sindaci non si parlano.
gov  -  GOV_DECISIONI           Le riunioni non sono un problema, ci vediamo spesso.
gov  +  GOV_DECISIONI           Il tavolo non si riunisce quasi mai e non si decide.
gov  +  GOV_NESSUNA             Nessun problema particolare.
gov  -  GOV_NESSUNA             Non funziona niente.
prg  -  PRG_RITARDI             Nessun ritardo sui lavori.
prg  -  PRG_RIT_LAVORI          Nessun ritardo sui lavori.
prg  +  PRG_RIT_LAVORI          I lavori non sono ancora partiti.
prg  -  PRG_RIT_LAVORI          I lavori non sono fermi, procedono.
prg  +  PRG_MONITORAGGIO        Non abbiamo dati sull'effetto delle iniziative.
prg  -  PRG_MONITORAGGIO        Il monitoraggio funziona bene.
prg  +  PRG_RIT_FONDI           Mancano ancora i soldi dell'anticipo regionale.
prg  -  PRG_REALIZZATI          Nessun intervento è stato completato.
prg  +  PRG_REALIZZATI          Abbiamo completato il programma senza problemi.
prg  -  PRG_RIMODULAZIONE       Non è stata chiesta nessuna variante al programma.
prg  -  PRG_RIT_PROCEDURE       Nessuna gara è andata deserta.
prg  +  PRG_PARTECIPAZIONE      I commercianti non hanno aderito al bando.
prg  -  PRG_RITARDI             Non c'è stato alcun ritardo.
prg  +  PRG_RITARDI             Siamo in ritardo, non c'è niente da fare.
for  +  FOR_VETRINE             Senza vetrine curate non si vende.
for  -  FOR_ACC_LINGUE          Non servono corsi di inglese.
for  +  FOR_ACC_LINGUE          Non sanno l'inglese.
for  -  FOR_DIG_MARKETING       Non hanno bisogno di corsi sui social.
for  +  FOR_DIGITALE            Molti non usano il computer.
for  +  FOR_DIG_ECOMMERCE       Nessuno sa vendere online.
for  -  FOR_GESTIONE            La contabilità non interessa a nessuno.
for  +  FOR_RETI                I negozianti non collaborano tra loro.
for  +  FOR_NORMATIVE           Mancanza di conoscenza delle norme igieniche.
for  -  FOR_ACCOGLIENZA         Corsi sull'accoglienza non sono necessari.
for  -  FOR_ACC_FIDELIZZAZIONE  Una tessera fedeltà qui non serve.
"""
THEMES = {"gov": "governance", "prg": "progress", "for": "training"}
CASES = [
    (THEMES[theme], answer, code, sign == "+")
    for theme, sign, code, answer in (line.split(maxsplit=3) for line in TABLE.strip().splitlines())
]


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
    found = dict(
        (c, e) for c, e, _ in suggester.suggest_text("I lavori non sono partiti.", "progress")
    )
    assert found["PRG_RIT_LAVORI"] == "lavori non sono partiti"
