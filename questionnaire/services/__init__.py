"""Use cases: plain functions with explicit arguments that add and flush but never commit."""
