"""Normalisation, stemming, negation and sentence splitting of open answers."""

from distretti_survey.coding.text import analyse, normalise, split_sentences, stem, tokenize


def test_normalise_folds_case_accents_apostrophes_punctuation_and_spaces():
    assert normalise("  L’Attività  dell'ASSOCIAZIONE,\tperò...  è ferma! ") == (
        "l attivita dell associazione pero e ferma"
    )


def test_tokenize_splits_elisions_and_hyphens():
    assert tokenize("Sull’e-commerce, 2 corsi") == ["sull", "e", "commerce", "2", "corsi"]


def test_stemming_joins_word_forms():
    assert stem("coordinamento") == stem("coordinare") == stem("coordinano")
    assert stem("associazioni") == stem("associazione")
    assert stem("ritardi") == stem("ritardo")


def test_analysis_maps_tokens_back_to_original_spans():
    text = "Il Manager, part-time."
    analysis = analyse(text)
    assert [text[a:b] for a, b in analysis.spans] == ["Il", "Manager", "part", "time"]
    start = analysis.norm.index("manager")
    assert analysis.evidence(start, start + len("manager part"), view="norm") == (
        "Manager, part",
        1,
    )


def test_negation_within_window_and_clause():
    analysis = analyse("Non ci sono problemi di coordinamento")
    assert analysis.is_negated(5)  # "coordinamento", five tokens after "non"
    assert not analysis.is_negated(0)


def test_negation_stops_at_comma_and_at_ma():
    after_comma = analyse("Non sempre, il coordinamento manca")
    assert not after_comma.is_negated(3)
    after_ma = analyse("Nessun evento ma coordinamento debole")
    assert not after_ma.is_negated(3)


def test_negation_beyond_window_is_ignored():
    analysis = analyse("non a b c d e f coordinamento")
    assert not analysis.is_negated(7)


def test_ne_with_accent_negates_but_ne_without_does_not():
    assert analyse("né coordinamento").is_negated(1)
    assert not analyse("ne coordinamento").is_negated(1)


def test_split_sentences_keeps_abbreviations_and_drops_empty_pieces():
    text = "Lavori fermi, es. la piazza. Nessun evento!\n\n - \nPoi vedremo; forse"
    assert split_sentences(text) == [
        "Lavori fermi, es. la piazza.",
        "Nessun evento!",
        "Poi vedremo;",
        "forse",
    ]
