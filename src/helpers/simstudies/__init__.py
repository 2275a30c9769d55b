"""simstudies layer."""
