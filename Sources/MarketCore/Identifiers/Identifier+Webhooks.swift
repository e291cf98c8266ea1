public enum WebhookEndpointEntity: IdentifiedEntity { public static var idPrefix: String { "whe" } }
public enum WebhookDeliveryEntity: IdentifiedEntity { public static var idPrefix: String { "whd" } }

public typealias WebhookEndpointID = Identifier<WebhookEndpointEntity>
public typealias WebhookDeliveryID = Identifier<WebhookDeliveryEntity>
