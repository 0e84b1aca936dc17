"""Persistence: SQLModel tables, engines and migrations, row mapping and one store per aggregate."""
