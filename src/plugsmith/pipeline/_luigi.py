"""Luigi, imported once without its import-time DeprecationWarning (range-task autoloading).

The warning is about Luigi's own defaults and says nothing a plugsmith user could act on.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import luigi

__all__ = ["luigi"]
