import CostModel

/// A failure the CLI and the C ABI report the same way: one line, and the exit code the README documents.
public struct FrontendError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Int32, Sendable {
        case internalFailure = 1
        case badInput = 2
        case infeasible = 3
    }

    public let code: Code
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// `file: field = value: reason`, the shape every bad-input message takes.
    public static func badInput(_ file: String, field: String? = nil, value: String? = nil, _ reason: String)
        -> FrontendError
    {
        var message = file
        if let field { message += ": \(field)" }
        if let value { message += " = \(value)" }
        message += ": \(reason)"
        return FrontendError(code: .badInput, message: message)
    }

    public static func infeasible(_ subject: String, _ reason: String) -> FrontendError {
        FrontendError(code: .infeasible, message: "\(subject): \(reason)")
    }

    /// A message that already names its source.
    public static func badInput(message: some CustomStringConvertible) -> FrontendError {
        FrontendError(code: .badInput, message: message.description)
    }
}

/// Runs a cost-model call, turning its typed error (or a file error) into a one-line bad input.
public func costModelCall<T>(_ body: () throws(CostModelError) -> T) throws(FrontendError) -> T {
    do {
        return try body()
    } catch {
        throw FrontendError(code: .badInput, message: error.description)
    }
}
