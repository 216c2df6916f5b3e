// VideoIO stage family: see DESIGN.md.
