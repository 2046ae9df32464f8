"""Spaces: the apps teams push and run (design: docs/design/spaces.md).

`service` finds and creates Spaces and checks their hardware against org quotas; `stages` records every stage
change of a Space together with its history.
"""
