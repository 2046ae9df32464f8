"""Files: the FileData payload, the upload cache and the rules for which paths may be read or served."""
