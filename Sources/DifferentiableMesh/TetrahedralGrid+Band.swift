import Geometry

extension TetrahedralGrid {
    /// The lattice vertices within `rings` lattice steps (per axis) of any of `vertices`: the
    /// narrow band where an SDF's sign can change soon, so a fit can re-evaluate its network there
    /// only between full evaluations of the grid.
    public func band(around vertices: [Int32], rings: Int) -> [Int32] {
        let n = pointsPerAxis
        var inBand = [Bool](repeating: false, count: self.vertices.count)
        for v in vertices {
            let index = Int(v)
            let x = index % n, y = (index / n) % n, z = index / (n * n)
            for dz in max(0, z - rings)...min(n - 1, z + rings) {
                for dy in max(0, y - rings)...min(n - 1, y + rings) {
                    let row = (dz * n + dy) * n
                    for dx in max(0, x - rings)...min(n - 1, x + rings) { inBand[row + dx] = true }
                }
            }
        }
        return inBand.indices.compactMap { inBand[$0] ? Int32($0) : nil }
    }
}
