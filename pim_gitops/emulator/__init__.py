"""A local HTTP server that speaks the subset of Microsoft Graph v1.0 that PIM uses.

It shares wire-format basics with the client (``pim_gitops.wire``) but no semantics: it
never imports the normalizer or the differ, so a misreading of Graph cannot hide by being
mirrored on both sides. Every semantic it enforces is listed in ``docs/emulator.md``.
"""
