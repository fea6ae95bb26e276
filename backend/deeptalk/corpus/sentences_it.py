"""Italian sentences from word lists and a seeded grammar, for the Italian festival voices.

Noun phrases carry their article, and an adjective after a feminine one takes -a; verbs
are the perfect with "ha" / "hanno" (the participle then never agrees). The words lean on
what the mouth shows: bilabials (pane, mamma, bambino), labiodentals (fiume, vino),
rounded vowels (luna, fuoco, uomo) and open ones (casa, mare). No accented letters or
apostrophes: festival reads the script as bytes, and these forms need none.
`generate_italian_sentences(n, seed=s)` is deterministic, like `sentences.generate_sentences`.
"""

from __future__ import annotations

import random
from typing import Callable

from deeptalk.corpus.sentences import distinct_sentences

NAMES = ("Marco", "Paola", "Bruno", "Fabio", "Monica", "Pietro", "Viola", "Matteo", "Beatrice",
         "Filippo", "Giulia", "Lorenzo", "Bianca", "Roberto", "Chiara", "Umberto", "Sofia", "Vittorio")

NOUNS = ("il pane", "la mamma", "il bambino", "la finestra", "il vino", "la bottiglia", "il ponte",
         "la montagna", "il fuoco", "la musica", "il pomodoro", "la farfalla", "il muro", "la borsa",
         "il pesce", "la mucca", "il lupo", "la volpe", "il fiume", "la fontana", "il mondo",
         "la barca", "il libro", "la porta", "il vaso", "la piuma", "il tavolo", "la ruota",
         "il cappello", "la pioggia", "il gatto", "la luna", "il mare", "la casa", "il piatto",
         "la bicicletta", "il formaggio", "la mela", "il bosco", "la nuvola", "il vestito", "la scuola",
         "il treno", "la sedia", "il museo", "la valigia", "il giardino", "la lampada", "il fumo",
         "la zuppa", "il violino", "la piazza", "il tamburo", "la pentola")

ADJECTIVES = ("grande", "felice", "veloce", "dolce", "verde", "enorme", "forte", "gentile", "nobile",
              "semplice", "povero", "vuoto", "buono", "bello", "morbido", "profondo", "famoso", "piccolo",
              "pesante", "freddo", "pulito", "rumoroso", "lucido", "vecchio")

PARTICIPLES = ("comprato", "trovato", "mangiato", "preso", "portato", "visto", "aperto", "chiuso",
               "lavato", "cercato", "spostato", "dipinto", "venduto", "bevuto", "perso", "fotografato",
               "pulito", "rotto", "mosso", "nascosto", "provato", "scoperto", "buttato", "suonato")

INFINITIVES = ("comprare", "trovare", "mangiare", "portare", "vedere", "aprire", "chiudere", "lavare",
               "cercare", "spostare", "vendere", "bere", "provare", "suonare", "pulire", "muovere")

PLACES = ("nel bosco", "sul ponte", "vicino al fiume", "sotto la luna", "dietro la casa", "al mercato",
          "in piazza", "sulla barca", "nel giardino", "al museo", "in montagna", "sulla spiaggia",
          "nella cucina", "davanti alla porta", "sopra il tavolo", "lungo la strada")

TIMES = ("ieri", "stamattina", "domenica", "ogni estate", "domani", "stasera", "fra cinque minuti",
         "dopo pranzo", "a mezzanotte", "molto tempo fa", "il prossimo mese", "prima di cena")

INTERJECTIONS = ("Oh", "Mamma mia", "Guarda", "Allora", "Senti", "Ecco", "Aspetta", "Bene", "Dai")

NUMBERS = ("due", "tre", "quattro", "cinque", "sei", "sette", "nove", "dieci", "dodici", "venti",
           "trenta", "cinquanta", "cento")

PLURALS = ("mele", "bottiglie", "piume", "libri", "piatti", "fiori", "biglietti", "palloni", "bicchieri")

_Pick = Callable[[tuple[str, ...]], str]


def agree(noun: str, adjective: str) -> str:
    """`adjective` in the gender of `noun` ("la" nouns turn a final -o into -a; -e adjectives stay)."""
    return adjective[:-1] + "a" if noun.startswith("la ") and adjective.endswith("o") else adjective


def _np(pick: _Pick, rng: random.Random) -> str:
    """A noun phrase: a name, or an article + noun with an agreeing adjective after it half the time."""
    if rng.random() < 0.2:
        return pick(NAMES)
    noun = pick(NOUNS)
    return f"{noun} {agree(noun, pick(ADJECTIVES))}" if rng.random() < 0.5 else noun


def _templates(pick: _Pick, rng: random.Random) -> list[Callable[[], str]]:
    def np_() -> str:
        return _np(pick, rng)

    def cap(text: str) -> str:
        return text[:1].upper() + text[1:]

    return [
        lambda: f"{cap(np_())} ha {pick(PARTICIPLES)} {np_()} {pick(PLACES)}.",
        lambda: f"{pick(NAMES)} dice che {np_()} sembra molto {pick(ADJECTIVES)}.",
        lambda: f"Come mai {np_()} ha {pick(PARTICIPLES)} {np_()} {pick(TIMES)}?",
        lambda: f"{pick(INTERJECTIONS)}, {np_()} era {pick(ADJECTIVES)} {pick(TIMES)}!",
        lambda: f"{cap(pick(TIMES))} {pick(NAMES)} vuole {pick(INFINITIVES)} {np_()} {pick(PLACES)}.",
        lambda: f"Non so se {np_()} potrebbe {pick(INFINITIVES)} {np_()}.",
        lambda: f"Abbiamo comprato {pick(NUMBERS)} {pick(PLURALS)} per {pick(NUMBERS)} euro {pick(TIMES)}.",
        lambda: f"{pick(NAMES)} e {pick(NAMES)} hanno {pick(PARTICIPLES)} {np_()} {pick(PLACES)}.",
        lambda: f"Hai mai visto {np_()} {pick(PLACES)}?",
        lambda: f"Per favore, puoi {pick(INFINITIVES)} {np_()} {pick(TIMES)}?",
    ]


def generate_italian_sentences(n: int, *, seed: int = 0) -> list[str]:
    """`n` distinct Italian sentences of 5-18 words, the same for the same seed."""
    return distinct_sentences(n, seed=seed, templates=_templates, words=(5, 18))
