"""Analysis algorithms: pure functions over numpy and pandas, no Django.

Each module takes plain arrays (projected coordinates in metres, times in seconds) and returns
arrays or small dataclasses; reading the data and shaping the job result live elsewhere
(``analysis.selectors`` and ``analysis.services.jobs``).
"""
