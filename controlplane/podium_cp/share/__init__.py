"""Share links: issuing, listing and revoking them (`service`) and the share server's policy over them (`policy`)."""
