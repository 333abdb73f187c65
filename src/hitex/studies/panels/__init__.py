"""Panel kinds of a study's ``data.kind``, one module each, registered by name.

Importing this package imports each of its modules, which registers every built-in panel kind in
:data:`hitex.studies.kinds.PANELS`.
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):  # each module registers its kind
    importlib.import_module(f"{__name__}.{_module.name}")
