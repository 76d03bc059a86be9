"""Who is writing: contacts, links to connections, one-time codes, conversation state."""
