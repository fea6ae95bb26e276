"""The synthetic speech + motion training corpus (espeak-ng speech, rule-based FLAME motion)."""
