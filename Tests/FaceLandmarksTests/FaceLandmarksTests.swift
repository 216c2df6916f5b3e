// Tests for FaceLandmarks.
