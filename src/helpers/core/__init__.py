"""Layer 0: paths, hashing, atomic files, git. Knows nothing of ALS, tables or statistics."""
