/// "1 micro-batch", "2 micro-batches": a count with its noun in the right number, for summaries people read.
public func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
}
