"""One module per component of the local platform."""
