"""End-to-end tests: our core over our transport against our local engine."""
