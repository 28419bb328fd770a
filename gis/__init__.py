"""Spatial primitives shared by the whole platform (no Flask here)."""
