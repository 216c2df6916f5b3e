/// Expands a pipeline's `matrix:` into separately named runs (cartesian product of the axes).
public enum Matrix {
    /// One point of the sweep: the overrides it adds and the run-name suffix (`iterations=1000`).
    public struct Point: Sendable {
        /// Overrides applied on top of the command line's.
        public var overrides: [Override]
        /// `key=value` parts joined by `-`, made a safe file name (`PathComponent.sanitized`): it
        /// names the point's run directory.
        public var label: String
    }

    /// All points, first axis varying slowest; a single empty point when there is no matrix.
    public static func points(of axes: [PipelineSpec.MatrixAxis]) -> [Point] {
        var points = [Point(overrides: [], label: "")]
        for axis in axes {
            let path = axis.key.split(separator: ".").map(String.init)
            points = points.flatMap { point in
                axis.values.map { value in
                    let override = Override(path: path, value: value, location: value.location)
                    return Point(
                        overrides: point.overrides + [override],
                        label: PathComponent.sanitized(point.label.isEmpty ? override.label : point.label + "-" + override.label))
                }
            }
        }
        return points
    }
}
