// Tests for FaceAnalysis.
