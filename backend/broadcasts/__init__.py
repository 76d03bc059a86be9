"""Awareness broadcasts and outage notices: staff messages to a segment of consumers,
fanned out set-based into the outbox (see DESIGN.md, "Outbound").

`window` holds the claim predicate `backend.outbox` imports; it must not import this
package's other modules (they are imported lazily here so the outbox stays cycle-free)."""
