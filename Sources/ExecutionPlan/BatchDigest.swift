extension InputDigest {
    /// A batch-balancing plan's `batchSha256`: its samples' tokens, with their images and loaded ranks only when some
    /// sample has them. The planner writes it and a runtime checks it, so both compute it here.
    public static func batchSha256(tokens: [Int], images: [[Int]], loadedRanks: [Int?]) throws -> String {
        let batch = Batch(
            tokens: tokens, images: images.contains { !$0.isEmpty } ? images : nil,
            loadedRanks: loadedRanks.contains { $0 != nil } ? loadedRanks : nil)
        return try of(batch, summary: "").sha256
    }

    private struct Batch: Encodable {
        var tokens: [Int]
        var images: [[Int]]?
        var loadedRanks: [Int?]?
    }
}
