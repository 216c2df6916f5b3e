// SyntheticCapture stage family: see DESIGN.md.
