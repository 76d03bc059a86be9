"""Channel adapters: one per channel behind one interface (base.py), in one registry
(registry.py: name -> adapter class). Each holds its provider client (never subclassing it)
and declares frozen `Capabilities`. Flows never see them; they see only `InboundMessage` and
`Reply`. docs/ARCHITECTURE.md ("A channel") lists the files a new channel touches."""
