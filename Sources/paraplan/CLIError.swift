/// A failure the CLI reports in one line, with the exit code the README documents.
struct CLIError: Error {
    enum Code: Int32 {
        case internalFailure = 1
        case badInput = 2
        case infeasible = 3
    }

    let code: Code
    let message: String

    /// `file: field = value: reason`, the shape every bad-input message takes.
    static func badInput(_ file: String, field: String? = nil, value: String? = nil, _ reason: String) -> CLIError {
        var message = file
        if let field { message += ": \(field)" }
        if let value { message += " = \(value)" }
        message += ": \(reason)"
        return CLIError(code: .badInput, message: message)
    }

    static func infeasible(_ subject: String, _ reason: String) -> CLIError {
        CLIError(code: .infeasible, message: "\(subject): \(reason)")
    }
}
