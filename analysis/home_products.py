"""Home-page panels for analytical products."""


def product_panels(user) -> list:
    return []
