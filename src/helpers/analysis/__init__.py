"""Layer 3: one module per question of the book, from validated tables to estimates; never reads the simulated truths."""
