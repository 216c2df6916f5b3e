import Foundation
import TestSupport
import Testing

@testable import MediaIO

/// A cameras.json frame rate that cannot be one is refused when the file is read (a huge `fps`
/// trapped in `Rational(approximating:)` when the capture was opened).
@Suite struct CamerasFileRobustnessTests {
    static func camerasJSON(fps: String) -> String {
        """
        {"fps": \(fps), "cameras": [{"id": "cam0", "width": 2, "height": 2, "fx": 600, "fy": 600, "cx": 1, "cy": 1,
          "world_to_camera": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2.5, 0, 0, 0, 1]}]}
        """
    }

    @Test(arguments: ["1e300", "0", "-25", "10001"])
    func implausibleFrameRateIsRefusedWithTheBound(fps: String) throws {
        let directory = try TemporaryDirectory()
        try Self.camerasJSON(fps: fps).write(to: directory.file("cameras.json"), atomically: true, encoding: .utf8)
        #expect { _ = try CamerasFile.read(from: directory.file("cameras.json")) } throws: {
            ($0 as? MediaIOError)?.message.contains("at most 10000") == true
        }
    }

    @Test func ordinaryFrameRateIsKept() throws {
        let directory = try TemporaryDirectory()
        try Self.camerasJSON(fps: "29.97").write(to: directory.file("cameras.json"), atomically: true, encoding: .utf8)
        #expect(try CamerasFile.read(from: directory.file("cameras.json")).fps == 29.97)
    }
}
