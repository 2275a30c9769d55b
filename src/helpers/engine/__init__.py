"""Layer 5: the build engine (plan, execute, cache, assemble, render), provenance, citation, site checks and the one command line; imported by nothing else."""
