// Placeholder so the target builds until the DynamicGaussians module lands; replaced by its first real file.
