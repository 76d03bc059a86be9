"""Channel adapters: one per provider, each holding its provider client (never subclassing
it) and declaring frozen `Capabilities`. Flows never see them; they see only
`InboundMessage` and `Reply`."""
