import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO
import TestSupport

struct TestFailure: Error, CustomStringConvertible {
    let description: String
}

enum FaceTestImages {
    /// A real photograph with three faces (dlib's examples/faces, Debian package libdlib19.1,
    /// which libdlib-dev depends on), installing the package when it is missing.
    static let threeFacesPath = "/usr/share/doc/libdlib19.1/examples/faces/2008_001322.jpg"

    static func threeFaces() throws -> Image8 {
        try ensureDebianPackage("libdlib19.1", probe: threeFacesPath)
        guard let frame = try VideoReader(url: URL(fileURLWithPath: threeFacesPath)).nextFrame() else {
            throw TestFailure(description: "\(threeFacesPath) has no picture")
        }
        return frame.image
    }

    static func grey(_ image: Image8, _ conversion: GreyImage.RGBConversion) -> GreyImage {
        let rgb = image.channels == 3 ? image.samples : (0..<(image.width * image.height)).flatMap { image.samples[($0 * 4)..<($0 * 4 + 3)] }
        return GreyImage(rgb: rgb, width: image.width, height: image.height, conversion: conversion)!
    }
}
