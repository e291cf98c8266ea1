public enum RatingEntity: IdentifiedEntity { public static var idPrefix: String { "rtg" } }

public typealias RatingID = Identifier<RatingEntity>
