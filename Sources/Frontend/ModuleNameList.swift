import Foundation

/// A comma-separated list of Megatron-Core module names given to `flag`, each one of `Name`'s raw values.
func moduleNameList<Name: RawRepresentable & CaseIterable>(_ text: String, flag: String) throws(FrontendError) -> [Name]
where Name.RawValue == String {
    var modules: [Name] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
        let name = part.trimmingCharacters(in: .whitespaces)
        guard let module = Name(rawValue: name) else {
            let known = Name.allCases.map(\.rawValue).joined(separator: ", ")
            throw .badInput(flag, value: String(text.prefix(80)), "\"\(name.prefix(40))\" is not one of \(known)")
        }
        modules.append(module)
    }
    return modules
}
