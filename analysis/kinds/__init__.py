"""Kinds of analysis job: one module per kind (hotspot, temporal, trend, near_repeat,
network), each declaring its parameters, its run function and whether its result is a map,
and registering itself with ``registry``. A new kind is a new module here."""
