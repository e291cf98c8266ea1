import Foundation

/// Field rules shared by every feature's input: optional text, postcode districts, contact details.
/// Each adds its errors to the validator and returns the cleaned value.
extension Validator {
    /// A whole number of pence within `range` (absent is an error); the one wording of this rule.
    public mutating func pence(_ value: Int64?, _ field: String, in range: ClosedRange<Int64>) {
        check(value.map(range.contains) ?? false, field,
              "must be a whole number of pence from \(range.lowerBound) to \(range.upperBound)")
    }

    /// Trimmed optional text: `nil` or empty means absent; longer than `maxLength` is an error.
    public mutating func optionalText(_ value: String?, _ field: String, maxLength: Int) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        check(trimmed.count <= maxLength, field, "must be at most \(maxLength) characters")
        return trimmed
    }

    /// 1...`maximum` UK postcode districts, each named by its index when it is not one.
    public mutating func districts(_ texts: [String]?, _ field: String, maximum: Int) -> [PostcodeDistrict] {
        let texts = texts ?? []
        check((1...maximum).contains(texts.count), field, "must list 1 to \(maximum) postcode districts")
        var districts: [PostcodeDistrict] = []
        for (index, text) in texts.enumerated() {
            if let district = PostcodeDistrict(text) {
                if !districts.contains(district) { districts.append(district) }
            } else {
                add("\(field)[\(index)]", "'\(text)' is not a UK postcode district such as HA1")
            }
        }
        return districts
    }

    /// A phone number, email address and http(s) website, each optional.
    public mutating func contact(phone: String?, email: String?, website: String?) -> ResourceContact {
        let phone = optionalText(phone, "phone", maxLength: 32)
        if let phone {
            check(phone.allSatisfy { $0.isNumber || " +()-".contains($0) } && phone.filter(\.isNumber).count >= 6,
                  "phone", "must be a phone number of digits, spaces and + ( ) -")
        }
        let emailText = optionalText(email, "email", maxLength: 254)
        let email = emailText.flatMap(EmailAddress.init)
        check(emailText == nil || email != nil, "email", "must be an email address")
        let website = optionalText(website, "website", maxLength: 2048)
        if let website {
            let url = URL(string: website)
            check(["http", "https"].contains(url?.scheme?.lowercased() ?? "") && !(url?.host ?? "").isEmpty,
                  "website", "must be an http or https address")
        }
        return ResourceContact(phone: phone, email: email, website: website)
    }

    /// Up to `maximum` short labels (languages, cultural needs), trimmed, each 1...40 characters.
    public mutating func labels(_ values: [String]?, _ field: String, maximum: Int) -> [String] {
        let labels = (values ?? []).map { $0.trimmingCharacters(in: .whitespaces) }
        check(labels.count <= maximum, field, "must list at most \(maximum)")
        for (index, label) in labels.enumerated() {
            check((1...40).contains(label.count), "\(field)[\(index)]", "must be 1 to 40 characters")
        }
        return labels
    }

    // MARK: Search filters

    /// What to search for (`q`): at most 200 characters; blank means no text search.
    public mutating func searchText(_ text: String?) -> String? {
        guard let text else { return nil }
        check(text.count <= Self.maximumSearchTextLength, "q", "must be at most \(Self.maximumSearchTextLength) characters")
        return text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : text
    }

    public static let maximumSearchTextLength = 200

    /// A category filter: the category and all its sub-categories.
    public mutating func categoryWithDescendants(_ category: String?, taxonomy: CategoryTaxonomy) -> [String]? {
        guard let category else { return nil }
        let ids = taxonomy.descendantIDs(of: category)
        check(!ids.isEmpty, "category", "'\(category)' is not a category of the taxonomy")
        return ids
    }

    /// One postcode district as a filter (`area`).
    public mutating func district(_ text: String?, _ field: String) -> PostcodeDistrict? {
        guard let text else { return nil }
        let district = PostcodeDistrict(text)
        check(district != nil, field, "'\(text)' is not a UK postcode district such as HA1")
        return district
    }

    /// One of an enumeration's raw values, listing them when it is not (or when it is missing
    /// and `required`).
    public mutating func oneOf<Value: RawRepresentable & CaseIterable>(
        _ text: String?, _ field: String, required: Bool = false
    ) -> Value? where Value.RawValue == String {
        guard let text else {
            if required { add(field, "is required: one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))") }
            return nil
        }
        let value = Value(rawValue: text)
        check(value != nil, field, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        return value
    }
}
