// Tests for MediaIO.
