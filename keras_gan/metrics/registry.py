"""Metrics by name (stylegan2-ada's `@register_metric` pattern)."""

from __future__ import annotations

_METRICS: dict = {}


def register_metric(name):
    def wrap(fn):
        if name in _METRICS and _METRICS[name] is not fn:
            raise ValueError(f"A metric named {name!r} is already registered.")
        _METRICS[name] = fn
        fn.metric_name = name
        return fn

    return wrap


def list_metrics():
    return sorted(_METRICS)


def get_metric(name):
    if name not in _METRICS:
        raise ValueError(f"Unknown metric {name!r}. Known metrics: {', '.join(list_metrics())}.")
    return _METRICS[name]
