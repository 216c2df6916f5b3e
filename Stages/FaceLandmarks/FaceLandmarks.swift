// FaceLandmarks stage family: see DESIGN.md.
