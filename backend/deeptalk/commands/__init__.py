"""Sub-commands of the `deeptalk` CLI; see `deeptalk.cli`."""
