"""Renderers: plain data in, text out. No Graph payloads reach this package."""
