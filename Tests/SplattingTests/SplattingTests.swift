// Tests for Splatting.
