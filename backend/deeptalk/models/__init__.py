"""Neural networks of DEEPTalk, one concept per module (import the module you need).

Emotion side:
  `audio_backbone` — wav2vec2-style speech encoder (local HF folder or small scratch model) at 25 fps.
  `fer`            — per-frame motion emotion classifier (FER MLP) and its features.
  `lipreader`      — reads visemes from (T, 53) motion; perceptual lip loss and lip-sync metric.
  `dee`            — DEE: speech/motion -> Gaussian emotion embeddings (`gaussian`, `gpo`,
                     `gaussian_encoder`, `positional` are its parts).
  `dee_loss`       — PCME++ closed-form sampled distance, loss and retrieval helpers.
  `checkpoint`     — `{"config": asdict(cfg), "state_dict": ...}` files, loaded with weights_only=True.
Motion side: `quantizer`, `thvqvae`, `generator`, `losses`.

This file imports nothing so that importing one model never pulls in the others.
"""
