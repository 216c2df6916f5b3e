// Tests for SyntheticCapture.
