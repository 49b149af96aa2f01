"""dotkit's conformance suite for backends: ``pytest --pyargs dotkit.testing --dotkit-backend NAME``."""
