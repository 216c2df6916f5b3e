// Tests for Geometry.
