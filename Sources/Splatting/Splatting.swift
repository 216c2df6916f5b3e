// Splatting module: see DESIGN.md.
