"""How people and programs prove who they are: passwords, web sessions, API tokens, OIDC (both directions)."""
