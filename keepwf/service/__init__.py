"""Use-cases composing the store (git) and the engine. No terminal output here: results are returned as values."""
