"""Channel-free conversation engine: one inbound message in, a list of replies out."""
