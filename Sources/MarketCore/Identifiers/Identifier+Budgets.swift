public enum FundingStreamEntity: IdentifiedEntity { public static var idPrefix: String { "fst" } }
public enum DelegationEntity: IdentifiedEntity { public static var idPrefix: String { "dlg" } }
public enum OrderEntity: IdentifiedEntity { public static var idPrefix: String { "ord" } }
public enum DeliveryEntity: IdentifiedEntity { public static var idPrefix: String { "dlv" } }
public enum OutboxEventEntity: IdentifiedEntity { public static var idPrefix: String { "evt" } }

public typealias FundingStreamID = Identifier<FundingStreamEntity>
public typealias DelegationID = Identifier<DelegationEntity>
public typealias OrderID = Identifier<OrderEntity>
public typealias DeliveryID = Identifier<DeliveryEntity>
public typealias OutboxEventID = Identifier<OutboxEventEntity>

public enum ProhibitedSpendEntity: IdentifiedEntity { public static var idPrefix: String { "psp" } }
public typealias ProhibitedSpendID = Identifier<ProhibitedSpendEntity>
