public enum CommunityResourceEntity: IdentifiedEntity { public static var idPrefix: String { "res" } }
public typealias CommunityResourceID = Identifier<CommunityResourceEntity>
