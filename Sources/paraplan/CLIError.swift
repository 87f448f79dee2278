@_exported import Frontend

/// The CLI reports the Frontend's errors as they are: one line and the documented exit code.
typealias CLIError = FrontendError
