"""The corpus speakers: espeak-ng, festival and flite voices, each with its own base pitch and rate.

A `Voice` is one synthetic speaker. `name` is the speaker label stored in the dataset
(stable, filename-safe); `espeak` is what libespeak-ng's `espeak_SetVoiceByName`
takes (`en` is British English, `en-us` American, `+m3`/`+f2` pick a variant).
Splits hold out whole voices: `DEFAULT_SPLIT` lists which voices train, which validate
and which test, so no speaker is in two splits.

`engine` says which synthesiser speaks the voice; for festival and flite voices
`espeak` holds that engine's voice name (festival `kal_diphone`, flite `slt`, ...),
and `pitch` / `rate_wpm` are offsets around espeak's 50 / 165 that the engine modules
turn into an f0 shift and a duration stretch. flite is the held-out engine: all its
voices are in "test". `language` is what the voice reads: English, or Italian for
festival's two Italian diphone voices (their own sentences, `sentences_it`), which widen
the training voices' timbre and prosody.
"""

from __future__ import annotations

from dataclasses import dataclass

ENGINES: tuple[str, ...] = ("espeak-ng", "festival", "flite")
LANGUAGES: tuple[str, ...] = ("en", "it")


@dataclass(frozen=True)
class Voice:
    name: str
    espeak: str
    pitch: int  # espeak base pitch 0..100 (50 = the variant's default)
    rate_wpm: int  # base speaking rate, words per minute
    engine: str = "espeak-ng"  # one of ENGINES
    language: str = "en"  # one of LANGUAGES

    def __post_init__(self) -> None:
        if not self.name or not all(c.isalnum() or c in "-_" for c in self.name):
            raise ValueError(f"voice name must be [A-Za-z0-9_-]+, got {self.name!r}")
        if not 20 <= self.pitch <= 80:
            raise ValueError(f"{self.name}: base pitch must be in [20, 80]")
        if not 120 <= self.rate_wpm <= 220:
            raise ValueError(f"{self.name}: base rate must be in [120, 220] wpm")
        if self.engine not in ENGINES:
            raise ValueError(f"{self.name}: engine must be one of {ENGINES}, got {self.engine!r}")
        if self.language not in LANGUAGES:
            raise ValueError(f"{self.name}: language must be one of {LANGUAGES}, got {self.language!r}")
        if not self.espeak or not all(c.isalnum() or c in "-_+" for c in self.espeak):
            raise ValueError(f"{self.name}: voice id must be [A-Za-z0-9_+-]+, got {self.espeak!r}")


VOICES: tuple[Voice, ...] = (
    Voice("us_m1", "en-us", 46, 165),
    Voice("us_f2", "en-us+f2", 55, 170),
    Voice("us_m3", "en-us+m3", 42, 158),
    Voice("us_f4", "en-us+f4", 58, 175),
    Voice("gb_m2", "en+m2", 48, 160),
    Voice("gb_f3", "en+f3", 52, 168),
    Voice("gb_m4", "en+m4", 40, 150),
    Voice("scot_m1", "en-gb-scotland+m1", 47, 162),
    Voice("rp_f1", "en-gb-x-rp+f1", 56, 160),
    Voice("carib_m6", "en-029+m6", 44, 172),
    Voice("wmid_f5", "en-gb-x-gbcwmd+f5", 54, 155),
    # espeak-ng's named variants: other timbres (formants, breath, pitch range) on the same accents
    Voice("us_andy", "en-us+Andy", 46, 165),
    Voice("gb_annie", "en+Annie", 54, 168),
    Voice("scot_klatt2", "en-gb-scotland+klatt2", 45, 160),
    Voice("carib_steph", "en-029+steph", 55, 170),
    Voice("us_michael", "en-us+Michael", 44, 158),
    Voice("gb_shelby", "en+shelby", 53, 172),
    Voice("rp_travis", "en-gb-x-rp+travis", 47, 155),
    Voice("wmid_adam", "en-gb-x-gbcwmd+adam", 42, 162),
    Voice("us_alicia", "en-us+Alicia", 57, 175),
    Voice("gb_aunty", "en+aunty", 52, 150),
    Voice("scot_david", "en-gb-scotland+david", 43, 165),
    Voice("carib_ed", "en-029+ed", 48, 168),
    Voice("us_linda", "en-us+linda", 56, 160),
    Voice("rp_belinda", "en-gb-x-rp+belinda", 54, 163),
    Voice("gb_john", "en+john", 41, 157),
    Voice("us_max", "en-us+max", 45, 172),
    Voice("wmid_steph2", "en-gb-x-gbcwmd+steph2", 58, 158),
    # held out (their accents, New York and Lancaster, are in no training voice)
    Voice("nyc_m7", "en-us-nyc+m7", 45, 168),
    Voice("lanc_f4", "en-gb-x-gbclan+f4", 57, 163),
    Voice("rp_m5", "en-gb-x-rp+m5", 43, 157),
)
# festival: English diphone voices (concatenated human recordings) and an HTS voice, kal and slt at two
# settings, and two Italian diphone voices
FESTIVAL_VOICES: tuple[Voice, ...] = (
    Voice("fest_kal", "kal_diphone", 50, 165, "festival"),
    Voice("fest_kal_hi", "kal_diphone", 60, 175, "festival"),
    Voice("fest_slt", "cmu_us_slt_arctic_hts", 50, 165, "festival"),
    Voice("fest_slt_lo", "cmu_us_slt_arctic_hts", 42, 155, "festival"),
    # Italian diphone voices reading Italian: a female and a male timbre, another language's rhythm
    Voice("fest_it_lp", "lp_diphone", 50, 165, "festival", "it"),
    Voice("fest_it_pc", "pc_diphone", 50, 165, "festival", "it"),
    Voice("fest_ked", "ked_diphone", 46, 158, "festival"),  # validation: a festival speaker unseen in train
)
# flite (the held-out engine): its built-in voices (kal is kal16 at 8 kHz, so only kal16)
FLITE_VOICES: tuple[Voice, ...] = (
    Voice("flite_kal16", "kal16", 50, 165, "flite"),
    Voice("flite_awb", "awb", 50, 165, "flite"),
    Voice("flite_rms", "rms", 50, 165, "flite"),
    Voice("flite_slt", "slt", 50, 165, "flite"),
)
ESPEAK_VOICES = VOICES
VOICES = ESPEAK_VOICES + FESTIVAL_VOICES + FLITE_VOICES
VOICE_BY_NAME: dict[str, Voice] = {v.name: v for v in VOICES}

DEFAULT_SPLIT: dict[str, tuple[str, ...]] = {
    "train": tuple(v.name for v in ESPEAK_VOICES[:-3]) + tuple(v.name for v in FESTIVAL_VOICES[:-1]),
    "val": ("nyc_m7", FESTIVAL_VOICES[-1].name),
    "test": ("lanc_f4", "rp_m5") + tuple(v.name for v in FLITE_VOICES),
}
