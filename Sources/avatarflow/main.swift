print("avatarflow")
