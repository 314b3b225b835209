"""HTTP routes of the change-detector."""
