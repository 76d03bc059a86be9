"""Messages the system starts: the outbox, pacing, senders, SMS segments."""
