// MediaIO module: see DESIGN.md.
