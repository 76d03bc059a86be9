"""Awareness broadcasts and outage notices: staff messages to a segment of consumers,
fanned out set-based into the outbox (docs/ARCHITECTURE.md, "The outbox").

Modules: `spec` (validated input), `audience` (who, on which channel, in which language),
`fanout` (INSERT ... SELECT into the outbox), `service` (what staff do), `notices` (outage
notices), `delivery_report` (what a broadcast did), `window` (`broadcast_hold`, the
outbox claim hook the worker is given). Nothing
is imported here."""
