"""Training data: the dataset format, MEAD import, splits and torch window datasets."""
