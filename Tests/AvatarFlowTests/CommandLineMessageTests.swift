import AvatarFlow
import Foundation
import Testing

/// The command line's answers to common mistakes: each says what is wrong and what to type.
@Suite(.serialized) struct CommandLineMessageTests {
    let cli = ProcessTests()

    @Test func aMistypedCommandGetsADidYouMean() throws {
        let workspace = try Workspace()
        let result = try cli.runToEnd(workspace, ["rnu", "p.yaml"])
        #expect(result.status == 64)
        #expect(result.error.contains("'rnu' is not an avatarflow command; did you mean 'run'?"))
    }

    @Test func jobsBelowOneAreRefused() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        for jobs in ["--jobs=0", "--jobs=-1"] {
            let result = try cli.runToEnd(workspace, ["run", "p.yaml", jobs])
            #expect(result.status != 0)
            #expect(result.error.contains("--jobs must be at least 1"), "\(result.error)")
        }
    }

    @Test func validateRefusesAPipelineThatRunWouldRefuseForAMissingInput() throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml", "pipeline: needs\ninputs: {numbers: {type: Numbers}}\nstages:\n  a: {use: test.add, in: {a: $numbers}}\n")
        let strict = try cli.runToEnd(workspace, ["validate", "p.yaml"])
        #expect(strict.status == 1)
        #expect(strict.error.contains("input 'numbers' (Numbers) has no path"))
        let structural = try cli.runToEnd(workspace, ["validate", "p.yaml", "--without-inputs"])
        #expect(structural.status == 0, "\(structural.error)")
    }

    @Test func cacheCleanOfADirectoryThatIsNotACacheRemovesNothingAndFails() throws {
        let workspace = try Workspace()
        try FileManager.default.createDirectory(at: workspace.root.appendingPathComponent("precious"), withIntermediateDirectories: true)
        try workspace.write("precious/notes.txt", "keep")
        let result = try cli.runToEnd(workspace, ["cache", "clean", "--cache", workspace.root.appendingPathComponent("precious").path])
        #expect(result.status == 1)
        #expect(result.error.contains("not an AvatarFlow cache"))
        #expect(FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent("precious/notes.txt").path))
    }
}

/// SIGINT and SIGTERM end a run with what was finished and how to resume.
@Suite(.serialized) struct InterruptMessageTests {
    let cli = ProcessTests()

    @Test func anInterruptedRunSaysWhatWasFinishedAndHowToResume() throws {
        for (signal, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let workspace = try Workspace()
            try workspace.write("p.yaml", faultPipeline)
            let events = workspace.root.appendingPathComponent("events.jsonl")
            let process = try cli.launch(workspace, ["run", "p.yaml", "--events", events.path], name: "interrupted")
            #expect(cli.waitFor(30) { cli.events(events).contains { $0.kind == .progress && $0.stage == "count" } })
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            #expect(process.terminationStatus == status)
            let error = try String(contentsOf: workspace.root.appendingPathComponent("interrupted.err"), encoding: .utf8)
            #expect(error.contains("Committed, reused when you run again: 1 stage (seed)."), "\(error)")
            #expect(error.contains("Stopped: count; a stage that keeps checkpoints resumes from its last one."))
            #expect(error.contains("Run the same command again to continue."))
        }
    }
}
