"""Running one event: inputs to values, the handler call, values to output payloads (used by `podium.queue`)."""
