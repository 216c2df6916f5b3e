import Avatars
import Foundation
import TestSupport
import Testing

/// A checkpoint reads only files in its own folder.
@Suite struct CheckpointConfinementTests {
    @Test func aParametersFileOutsideTheCheckpointFolderIsRefused() throws {
        let directory = try TemporaryDirectory()
        let record = #"{"iteration": 3, "generator_state": 1, "parameters_file": "../../etc/passwd"}"#
        try record.write(to: directory.url.appendingPathComponent(AvatarCheckpoint.fileName), atomically: true, encoding: .utf8)
        #expect {
            _ = try AvatarCheckpoint.read(from: directory.url)
        } throws: { "\($0)".contains("parameters_file '../../etc/passwd' is not a file in the checkpoint folder") }
    }
}
