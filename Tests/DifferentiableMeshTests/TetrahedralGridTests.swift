import Geometry
import Testing

struct TetrahedralGridTests {
    @Test func everyCellSplitsIntoSixTetrahedraOfEqualVolume() throws {
        let grid = try TetrahedralGrid(resolution: 3, halfExtent: 0.6)
        #expect(grid.vertices.count == 64)
        #expect(grid.tetrahedra.count == 6 * 27)
        let expected = grid.cellSize * grid.cellSize * grid.cellSize / 6
        for tet in grid.tetrahedra {
            let a = grid.vertices[Int(tet[0])], b = grid.vertices[Int(tet[1])], c = grid.vertices[Int(tet[2])], d = grid.vertices[Int(tet[3])]
            let volume = abs(simdDot(simdCross(b - a, c - a), d - a)) / 6
            #expect(abs(volume - expected) < 1e-6)
        }
    }

    @Test func edgeNumbersAreDistinctForDistinctEdges() throws {
        let grid = try TetrahedralGrid(resolution: 3, halfExtent: 1)
        var byNumber: [Int: Set<Int32>] = [:]
        for tet in grid.tetrahedra {
            for (i, j) in TetrahedralGrid.localEdges {
                let number = grid.edgeNumber(tet[i], tet[j])
                let pair: Set<Int32> = [tet[i], tet[j]]
                if let existing = byNumber[number] { #expect(existing == pair) } else { byNumber[number] = pair }
            }
        }
        // Kuhn subdivision: 7 edge directions per lattice point, minus those leaving the cube.
        let n = 4
        let expected = 3 * (n - 1) * n * n + 3 * (n - 1) * (n - 1) * n + (n - 1) * (n - 1) * (n - 1)
        #expect(byNumber.count == expected)
    }

    @Test func invalidResolutionIsRejected() {
        #expect(throws: GeometryError.self) { try TetrahedralGrid(resolution: 0, halfExtent: 1) }
    }
}

extension TetrahedralGridTests {
    @Test func bandHoldsTheLatticeNeighbourhoodOfItsSeeds() throws {
        let grid = try TetrahedralGrid(resolution: 4, halfExtent: 1)
        #expect(grid.band(around: [0], rings: 1) == [0, 1, 5, 6, 25, 26, 30, 31])
        let centre = Int32((2 * 5 + 2) * 5 + 2)
        #expect(grid.band(around: [centre], rings: 1).count == 27)
        #expect(grid.band(around: [centre], rings: 2).count == 125)
    }
}
