"""Podium's platform processes: thin entry points (`python -m podium_services.api`, ...) over `podium_cp`."""
