// Tests for AvatarFlow.
