import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO

struct TestFailure: Error, CustomStringConvertible {
    let description: String
}

enum FaceTestImages {
    /// A real photograph with three faces (dlib's examples/faces, Debian package libdlib19.1,
    /// which libdlib-dev depends on), installing the package when it is missing.
    static let threeFacesPath = "/usr/share/doc/libdlib19.1/examples/faces/2008_001322.jpg"

    static func threeFaces() throws -> Image8 {
        if !FileManager.default.fileExists(atPath: threeFacesPath) {
            print("installing Debian package libdlib19.1 for its example face photographs")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["apt-get", "install", "-y", "libdlib19.1"]
            process.environment = ProcessInfo.processInfo.environment.merging(["DEBIAN_FRONTEND": "noninteractive"]) { $1 }
            try process.run()
            process.waitUntilExit()
        }
        guard let frame = try VideoReader(url: URL(fileURLWithPath: threeFacesPath)).nextFrame() else {
            throw TestFailure(description: "\(threeFacesPath) has no picture")
        }
        return frame.image
    }

    /// Writes a FrameSet with `frames[f][c]` as camera `c`'s image of frame `f`.
    static func writeFrameSet(_ frames: [[Image8]], to directory: URL) throws -> URL {
        let first = frames[0][0]
        let writer = try FrameSetWriter(
            directory: directory, cameras: (0..<frames[0].count).map { "cam\($0)" },
            size: PixelSize(width: first.width, height: first.height), channels: first.channels,
            frameRate: Rational(25, 1))
        for (index, images) in frames.enumerated() { try writer.append(images, timestamp: Double(index) / 25, sourceIndex: index) }
        _ = try writer.finish()
        return directory
    }

    static func grey(_ image: Image8, _ conversion: GreyImage.RGBConversion) -> GreyImage {
        let rgb = image.channels == 3 ? image.samples : (0..<(image.width * image.height)).flatMap { image.samples[($0 * 4)..<($0 * 4 + 3)] }
        return GreyImage(rgb: rgb, width: image.width, height: image.height, conversion: conversion)!
    }
}
