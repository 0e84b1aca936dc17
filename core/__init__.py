"""The fine-tuning decision engine: pure functions over pydantic models (FRAMEWORK.md)."""
