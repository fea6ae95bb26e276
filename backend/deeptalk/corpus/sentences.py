"""Varied, phonetically rich English sentences from word lists and a seeded grammar.

The word lists are chosen to cover English visemes often: bilabials (p b m),
labiodentals (f v), dental fricatives (th), sibilants and post-alveolars (s z sh ch j),
rounded vowels (oo, o, w) and open vowels (a, ah, ow). Sentences are 6-18 words,
so most last 2-5 s when spoken. `generate_sentences(n, seed=s)` is deterministic.
"""

from __future__ import annotations

import random
from typing import Callable

NAMES = ("Maria", "Peter", "Fiona", "Bob", "Vivian", "Thomas", "Judith", "Oscar", "Martha",
         "Ruth", "Victor", "Sophie", "Paul", "Beth", "Chuck", "Yusuf", "Wendy", "George",
         "Molly", "Ahmed", "Laura", "Hugo", "Zoe", "Frank", "Nora", "Mabel", "Owen", "Chen")

NOUNS = ("boat", "map", "window", "father", "mother", "puppy", "garden", "bottle", "movie", "voice",
         "photo", "pencil", "shoe", "moon", "bridge", "chair", "mountain", "feather", "village",
         "coffee", "violin", "judge", "wolf", "fox", "zebra", "museum", "bubble", "kitchen",
         "thumb", "path", "cloud", "rabbit", "balloon", "paper", "farmer", "soup", "ship",
         "fish", "house", "mouse", "cow", "owl", "toy", "ring", "pool", "beach", "box",
         "truth", "butter", "puzzle", "river", "summer", "winter", "heart", "market", "doctor",
         "teacher", "engine", "jacket", "basket", "wagon", "machine", "garage", "treasure",
         "blue door", "old song", "piano", "lemon", "orange", "tomato", "oven", "blanket",
         "umbrella", "flower", "football", "pepper", "honey", "ocean", "forest", "highway")

ADJECTIVES = ("big", "brave", "funny", "smooth", "purple", "bumpy", "quiet", "wobbly", "heavy",
              "famous", "foggy", "muddy", "shiny", "broken", "huge", "tiny", "warm", "frozen",
              "thick", "thin", "beautiful", "awful", "cheap", "sharp", "soft", "golden", "bright",
              "moody", "gloomy", "proud", "rough", "fresh", "yellow", "massive", "vivid", "common")

VERBS_PAST = ("pushed", "moved", "found", "carried", "fixed", "watched", "painted", "bought",
              "threw", "chose", "shook", "booked", "measured", "boiled", "followed", "opened",
              "hid", "washed", "borrowed", "visited", "photographed", "juggled", "fetched",
              "pulled", "touched", "played with", "thought about", "laughed at", "looked for",
              "gave away", "brought back", "wrapped up", "sold", "cooked", "mopped")

VERBS_BASE = ("push", "move", "find", "carry", "fix", "watch", "paint", "buy", "throw", "choose",
              "shake", "measure", "boil", "follow", "open", "hide", "wash", "borrow", "visit",
              "juggle", "fetch", "pull", "touch", "play with", "think about", "look for", "bring",
              "wrap", "sell", "cook", "remove", "improve", "solve", "approve", "feed")

VERBS_INTRANSITIVE = ("laughed", "jumped", "vanished", "whispered", "shouted", "moved away",
                      "fell asleep", "woke up", "stood up", "sat down", "smiled", "frowned",
                      "walked home", "ran off", "stopped", "waited", "coughed", "waved")

ADVERBS = ("very slowly", "quite happily", "without a word", "in a hurry", "by mistake",
           "on purpose", "twice", "again", "for a moment", "all morning", "before noon",
           "at midnight", "every Thursday", "in the rain", "with great joy", "too soon")

PLACES = ("in the kitchen", "by the river", "near the bridge", "under the moon", "behind the house",
          "at the museum", "on the beach", "through the forest", "over the mountain", "in the pool",
          "at the market", "inside the box", "beyond the highway", "beside the window",
          "across the bumpy field", "in the garage", "on the ship", "up the path")

TIMES = ("yesterday", "this morning", "last Friday", "every summer", "tomorrow", "tonight",
         "in five minutes", "before the movie", "after lunch", "next June", "long ago", "at dawn")

INTERJECTIONS = ("Oh", "Wow", "Look", "Well", "Hey", "Oh no", "Honestly", "Please", "Listen", "Wait")

NUMBERS = ("two", "three", "four", "five", "six", "seven", "nine", "ten", "twelve", "fifteen",
           "thirty", "forty", "fifty", "ninety", "a hundred", "a thousand")

_Pick = Callable[[tuple[str, ...]], str]


def _np(pick: _Pick, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return pick(NAMES)
    det = pick(("the", "my", "your", "our", "that", "this", "a", "every"))
    adj = f"{pick(ADJECTIVES)} " if roll < 0.7 else ""
    noun = pick(NOUNS)
    if det == "a" and (adj or noun)[0] in "aeiou":
        det = "an"
    return f"{det} {adj}{noun}"


def _templates(pick: _Pick, rng: random.Random) -> list[Callable[[], str]]:
    def np_() -> str:
        return _np(pick, rng)

    return [
        lambda: f"{np_().capitalize()} {pick(VERBS_PAST)} {np_()} {pick(PLACES)}.",
        lambda: f"{pick(NAMES)} said that {np_()} {pick(VERBS_INTRANSITIVE)} {pick(ADVERBS)}.",
        lambda: f"Did {np_()} really {pick(VERBS_BASE)} {np_()} {pick(TIMES)}?",
        lambda: f"Why would {np_()} {pick(VERBS_BASE)} {np_()} {pick(PLACES)}?",
        lambda: f"{pick(INTERJECTIONS)}, {np_()} {pick(VERBS_INTRANSITIVE)} {pick(PLACES)} {pick(TIMES)}!",
        lambda: f"When {np_()} {pick(VERBS_INTRANSITIVE)}, {np_()} {pick(VERBS_PAST)} {np_()}.",
        lambda: f"Please {pick(VERBS_BASE)} {np_()} {pick(PLACES)} {pick(TIMES)}.",
        lambda: f"I think {np_()} should {pick(VERBS_BASE)} {np_()} {pick(ADVERBS)}.",
        lambda: f"We bought {pick(NUMBERS)} {pick(ADJECTIVES)} things for {pick(NUMBERS)} dollars {pick(TIMES)}.",
        lambda: f"{pick(TIMES).capitalize()}, {np_()} {pick(VERBS_PAST)} {np_()} and {pick(VERBS_INTRANSITIVE)}.",
        lambda: f"Nobody knew why {np_()} {pick(VERBS_PAST)} {np_()} {pick(ADVERBS)}.",
        lambda: f"{pick(NAMES)} and {pick(NAMES)} {pick(VERBS_PAST)} {np_()} {pick(PLACES)}.",
        lambda: f"Have you ever seen {np_()} {pick(VERBS_BASE)} {np_()}?",
        lambda: f"{np_().capitalize()} was {pick(ADJECTIVES)}, but {np_()} was even more {pick(ADJECTIVES)}.",
    ]


def distinct_sentences(n: int, *, seed: int, templates: Callable[[_Pick, random.Random], list[Callable[[], str]]],
                       words: tuple[int, int] = (6, 18)) -> list[str]:
    """`n` distinct sentences of `words` words from a seeded grammar (`templates(pick, rng)`), the same
    for the same seed."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(seed)

    def pick(options: tuple[str, ...]) -> str:
        return options[rng.randrange(len(options))]

    made = templates(pick, rng)
    seen: set[str] = set()
    out: list[str] = []
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 100 * n + 1000:
            raise RuntimeError(f"could not make {n} distinct sentences")
        sentence = made[rng.randrange(len(made))]()
        if sentence not in seen and words[0] <= len(sentence.split()) <= words[1]:
            seen.add(sentence)
            out.append(sentence)
    return out


def generate_sentences(n: int, *, seed: int = 0) -> list[str]:
    """`n` distinct sentences, the same for the same seed."""
    return distinct_sentences(n, seed=seed, templates=_templates)
