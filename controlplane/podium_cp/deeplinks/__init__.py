"""Deep links in the control plane: the scoped tokens apps use, and how snapshots are stored, read and purged
(docs/design/deep-links.md)."""
