"""medguide: the helpers behind the "Getting It Right" guide.

Every public name lives in a submodule and is re-exported here, so
``from medguide import clinical_report`` and
``from medguide.metrics import clinical_report`` both work.
"""

from importlib.metadata import PackageNotFoundError, version

from . import (
    audit,
    cache,
    calibration,
    data,
    exceptions,
    explain,
    metrics,
    plots,
    preprocessing,
    splits,
    training,
)
from .audit import *  # noqa: F403
from .cache import *  # noqa: F403
from .calibration import *  # noqa: F403
from .data import *  # noqa: F403
from .exceptions import *  # noqa: F403
from .explain import *  # noqa: F403
from .metrics import *  # noqa: F403
from .plots import *  # noqa: F403
from .preprocessing import *  # noqa: F403
from .splits import *  # noqa: F403
from .training import *  # noqa: F403

try:
    __version__ = version("medguide")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    *audit.__all__,
    *cache.__all__,
    *calibration.__all__,
    *data.__all__,
    *exceptions.__all__,
    *explain.__all__,
    *metrics.__all__,
    *plots.__all__,
    *preprocessing.__all__,
    *splits.__all__,
    *training.__all__,
]
