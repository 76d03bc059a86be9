"""Reaching consumers first: alerts, broadcasts and outage notices, app adoption; and the
use cases that end in telling consumers (outages: open/extend/close with notices; readings
import followed by the alert scan), which the CLI and the REST API both call."""
