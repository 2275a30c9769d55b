"""Layer 2: the tables: vocabulary, specs, simulated truths and generator, sources (folder, workbook, Parquet), readers, validation, converters."""
