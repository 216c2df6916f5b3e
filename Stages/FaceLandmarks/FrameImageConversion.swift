import FaceAnalysis
import MediaIO

/// Turns FrameSet images (RGB8 or RGBA8) into the grey and alpha planes the detectors read.
enum FrameImageConversion {
    /// Grey levels of an RGB or RGBA image with the given reference formula (alpha ignored).
    static func grey(_ image: Image8, conversion: GreyImage.RGBConversion) -> GreyImage {
        GreyImage(converting: image, conversion: conversion)
    }

    /// The alpha channel of an RGBA image, or nil for images without alpha.
    static func alpha(_ image: Image8) -> GreyImage? {
        guard image.channels == 4 else { return nil }
        var alpha = GreyImage(width: image.width, height: image.height, channels: 1)
        for pixel in 0..<(image.width * image.height) { alpha.samples[pixel] = image.samples[pixel * 4 + 3] }
        return alpha
    }
}
