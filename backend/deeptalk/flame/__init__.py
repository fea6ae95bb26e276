"""FLAME layer: safe loading of user FLAME files, the stand-in head, forward pass, export."""
