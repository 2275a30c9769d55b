"""Layer 4: what runs in a chapter kernel: start_chapter, the results ledger, plots, figure checks and alt text, tables, banner."""
