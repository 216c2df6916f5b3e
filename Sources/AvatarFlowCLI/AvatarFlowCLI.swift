// AvatarFlowCLI module: see DESIGN.md.
