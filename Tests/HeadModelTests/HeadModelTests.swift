// Tests for HeadModel.
