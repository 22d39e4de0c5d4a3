"""Home-page panels for analysis jobs."""


def job_panels(user) -> list:
    return []
