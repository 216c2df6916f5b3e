// Placeholder so the target builds until its first test lands; replaced by it.
