"""Layer 4: simulation studies (calibration, power) that simulate from the truths and refit with the analyses, on any Executor."""
