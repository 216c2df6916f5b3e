// Placeholder so the target builds until the MeshGuidance module lands; replaced by its first real file.
