"""DEEPTalk backend: speech -> FLAME expression (50) + jaw (3) per frame.

Never imports bpy. The add-on talks to it only through `deeptalk.protocol`.
"""

__version__ = "0.1.0"
