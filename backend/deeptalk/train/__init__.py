"""Training scripts: FER, motion lip-reader, DEE, TH-VQVAE, generator, and the default recipe."""
