import Foundation

/// Fills in what a delivery does not say before its notice is rendered: the connector's name where it
/// lacks `connector_name`, the destination's name (`destination_name`, beside `destination_group_id`),
/// and, for a failed sync with no `data.reason`, the connection's current status messages. The account
/// watch provides one when API credentials are configured; it waits at most a couple of seconds for a
/// lookup and otherwise returns the delivery as it was.
public protocol DeliveryEnricher: Sendable {
    func enrich(_ delivery: Delivery) async -> Delivery
}
