// HeadModel module: see DESIGN.md.
