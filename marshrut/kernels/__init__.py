"""Domain kernels: plain Python that takes plain data and returns plain data.

Nothing in this package imports Django, so the hard logic (table reading, scoring, deadline parsing,
matching) is fast to test and to run in bulk. ``tests/kernels/test_purity.py`` keeps it that way.
"""
