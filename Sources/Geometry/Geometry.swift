// Geometry module: see DESIGN.md.
