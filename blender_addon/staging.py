"""Build new objects in a temporary collection; link them on success, remove everything on failure.

    with staging.staged_build(scene, target_collection, "FLAME") as temp:
        rig = build_rig(model, collection=temp, ...)

The temporary collection is linked to the scene while the build runs (edit-mode bone
building needs its objects in the view layer). On success its objects move to
`target_collection` and it is removed; if the body raises, every datablock created
inside it (objects, meshes, armatures, shape keys, actions, materials, the collection)
is removed again before the exception propagates, so a failure never leaves a
half-built rig in the file.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

import bpy

log = logging.getLogger(__name__)

# bpy.data collections a build may add to (Key datablocks go with their mesh).
TRACKED = ("objects", "meshes", "armatures", "actions", "materials", "shape_keys", "collections")


def _uids() -> dict[str, set[int]]:
    return {name: {block.session_uid for block in getattr(bpy.data, name)} for name in TRACKED}


def created_since(before: dict[str, set[int]]) -> list[bpy.types.ID]:
    """Datablocks of the tracked kinds that did not exist in `before`."""
    return [block for name in TRACKED for block in getattr(bpy.data, name)
            if block.session_uid not in before[name]]


@contextmanager
def staged_build(scene: bpy.types.Scene, target: bpy.types.Collection,
                 name: str = "DEEPTalk build") -> Iterator[bpy.types.Collection]:
    """Yield a temporary collection to build into (see the module docstring)."""
    before = _uids()
    temp = bpy.data.collections.new(f"{name} (building)")
    scene.collection.children.link(temp)
    try:
        yield temp
        for obj in list(temp.objects):  # may fail too (a collection linked from a library is read-only)
            if obj.name not in target.objects:
                target.objects.link(obj)
    except BaseException:
        for obj in list(temp.objects):
            if obj.name in target.objects and not target.library:
                target.objects.unlink(obj)
        _remove_created(before)
        raise
    for obj in list(temp.objects):
        temp.objects.unlink(obj)
    bpy.data.collections.remove(temp)


def _remove_created(before: dict[str, set[int]]) -> None:
    if bpy.context.object is not None and bpy.context.object.mode != "OBJECT":
        try:
            bpy.ops.object.mode_set(mode="OBJECT")
        except RuntimeError:
            log.warning("could not leave %s mode before cleaning up", bpy.context.object.mode)
    created = created_since(before)
    # Keys belong to their meshes: removing the meshes frees them; the rest go in one batch.
    removable = [block for block in created if not isinstance(block, bpy.types.Key)]
    log.info("removing %d datablock(s) of a failed build", len(removable))
    bpy.data.batch_remove(removable)
    leftover = created_since(before)
    if leftover:  # a Key whose mesh was not new, should one ever exist
        log.warning("a failed build left %s", ", ".join(block.name for block in leftover))
