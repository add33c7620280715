"""Helpers used by the alpha step only."""


def total(path):
    """Sum of the numbers in a one-column CSV; lines starting with # are comments."""
    lines = open(path, encoding="utf-8").read().splitlines()[1:]
    return sum(int(v) for v in lines if v and not v.startswith("#"))
