"""Layer 5: the build engine (execute, cache, stage, render), provenance, citation, site checks and the one command line; imported by nothing else."""
