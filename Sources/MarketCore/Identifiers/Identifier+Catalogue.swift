public enum OfferingEntity: IdentifiedEntity { public static var idPrefix: String { "off" } }
public enum CouncilRateEntity: IdentifiedEntity { public static var idPrefix: String { "rat" } }

public typealias OfferingID = Identifier<OfferingEntity>
public typealias CouncilRateID = Identifier<CouncilRateEntity>
