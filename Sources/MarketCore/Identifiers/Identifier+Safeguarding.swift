public enum ConcernEntity: IdentifiedEntity { public static var idPrefix: String { "scn" } }

public typealias ConcernID = Identifier<ConcernEntity>
