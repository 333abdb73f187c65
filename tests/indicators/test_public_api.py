"""Every indicator is importable from hitex.indicators."""

import hitex.indicators as ind


def test_every_name_resolves():
    for name in ind.__all__:
        assert callable(getattr(ind, name)), name
