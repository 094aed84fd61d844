"""The dashboard: server-rendered pages over the same services as the API (CONTRACT §5).

Templates and the stylesheet ship inside the package; pages need no JavaScript and no
build step, and every number on them comes from `service.metrics` and `service.review`.
"""
