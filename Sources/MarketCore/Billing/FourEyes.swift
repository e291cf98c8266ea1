/// Who may confirm what another person did with money: approving a payment batch, verifying a
/// provider's bank details, confirming a payer's new originating account.
///
/// The confirmer must be another person, and not one bound to the author by an account's
/// creation: neither the account that created the author's account, nor an account the author
/// created. (Whoever creates an account chooses its first password today, so an account one has
/// created is not a second person.)
public enum FourEyes {
    /// An account and the account that created it (`nil` for the operator's command line and the
    /// demo seed).
    public struct Person: Sendable, Equatable {
        public let id: UserID
        public let createdBy: UserID?

        public init(id: UserID, createdBy: UserID?) {
            self.id = id
            self.createdBy = createdBy
        }
    }

    /// Throws `forbidden`, naming `action`, unless `confirmer` is a second person for `author`.
    public static func check(_ confirmer: Person, confirming author: Person, _ action: String) throws(MarketError) {
        if confirmer.id == author.id {
            throw .forbidden("four eyes: the person who \(action) cannot confirm it; another of the payer's finance staff must")
        }
        if author.createdBy == confirmer.id {
            throw .forbidden("four eyes: you created the account of the person who \(action); someone else must confirm it")
        }
        if confirmer.createdBy == author.id {
            throw .forbidden("four eyes: the person who \(action) created your account; someone else must confirm it")
        }
    }
}
