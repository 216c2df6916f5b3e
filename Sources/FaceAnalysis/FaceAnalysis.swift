// FaceAnalysis module: see DESIGN.md.
