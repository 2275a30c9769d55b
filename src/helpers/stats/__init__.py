"""Layer 1: generic statistics (intervals, meta-analysis, 4PL, survival, mixed models, CR2, simultaneous intervals); knows no genotype or table."""
