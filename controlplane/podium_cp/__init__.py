"""Podium's control plane: the hosted Spaces service's domain (users, orgs, access, tokens, audit, ...).

Design and module map: `docs/design/controlplane.md`.
"""

__version__ = "0.1.0"
