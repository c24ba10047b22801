"""ecoprocure: green public procurement backed by ecolabels.

The public API is deliberately small; see ``docs/api.md``.
"""

from ecoprocure.errors import EcoprocureError

__all__ = ["EcoprocureError", "__version__"]
__version__ = "0.1.0"
