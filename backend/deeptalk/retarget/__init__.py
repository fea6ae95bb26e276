"""FLAME-space motion -> Apple ARKit's 52 blendshape weights (numpy / scipy, no torch).

Modules: `names` (the 52 channels, regions, mirror pairs), `standin_table` (the stand-in's
ARKit shapes as a data table over named components and joint poses), `shapes` (builds
them on a head), `flame_pose` (numpy FLAME forward), `solver` (box-constrained least
squares with temporal and symmetry priors), `retarget` (motion -> weights, vertex or
landmark path), `fit` (how well the weights reproduce the motion), `controls` (strength,
region gains, smoothing, key reduction) and `livelink_csv` (Live Link Face CSV).
`names`, `controls` and `livelink_csv` use only the standard library and numpy and import
nothing from `deeptalk`, so the Blender add-on loads them as single files.
"""
