/// The seeded generator (`SplitMix64`) lives in Randomness, shared with the other domain libraries;
/// importing Tensors brings it along.
@_exported import Randomness
