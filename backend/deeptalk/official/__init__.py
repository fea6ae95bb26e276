"""Conversion of the official DEEPTalk checkpoints (whwjdqls/DEEPTalk) into a model folder."""
