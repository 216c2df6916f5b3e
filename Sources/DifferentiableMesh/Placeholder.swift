// Placeholder so the target builds until the DifferentiableMesh module lands; replaced by its first real file.
