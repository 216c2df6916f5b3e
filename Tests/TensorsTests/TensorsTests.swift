// Tests for Tensors.
