// AvatarFlow module: see DESIGN.md.
