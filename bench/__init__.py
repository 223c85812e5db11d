"""`make bench`: a data set at scale, production-like processes, an open-loop load, BENCHMARKS.md.

Not part of the app: nothing in milequest/ imports from here.
"""
