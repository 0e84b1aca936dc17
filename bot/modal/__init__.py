"""The proposal modal as one feature: its fields, its view (pure Block Kit) and its parsing."""
