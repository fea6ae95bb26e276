"""Figures of `deeptalk eval` beyond the core ones in `deeptalk.evaluate` (issue 20).

- `face_points`: the lips' inner edges and the non-lip face of a FLAME head;
- `bilabial`: lip closure at m/b/p segments (ground truth, TH-VQVAE, generated);
- `emotion_control`: how visible, distinct, readable and monotone each emotion override is;
- `alpha_takes`: how different alpha-1 takes look, and whether their lips stay synced;
- `speech_emotion`: the emotion heard in the speech against the label, with confusion matrices;
- `engines`: which synthesis engine spoke each clip (every figure family also per engine);
- `targets`: each figure's target and whether it is met.
"""
