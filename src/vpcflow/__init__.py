"""vpcflow: model AWS VPC traffic filtering offline.

Public API (stable): ``load_snapshot`` (sources), ``Engine`` (trace), the model values.
"""

from vpcflow.engine import Engine, Trace, Verdict
from vpcflow.errors import InputError, QueryError, SnapshotError, VpcflowError

__all__ = ["Engine", "InputError", "QueryError", "SnapshotError", "Trace", "Verdict", "VpcflowError"]
__version__ = "0.1.0"
