"""Suite-wide settings: keep bpy's user files in a temp dir (set before any `import bpy`)."""

import os
import tempfile

os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="deeptalk-blender-user-"))
