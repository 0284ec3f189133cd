"""``Result`` classes, one per storage backend (Prefect's ``prefect.engine.results``).

``FSSpecResult`` is the generic one (any fsspec URL); ``LocalResult``, ``S3Result``,
``GCSResult`` and ``AzureResult`` are thin subclasses of it. Cloud SDKs are imported only
when a cloud result first touches its storage.
"""

from compat.engine.results.azure_result import AzureResult
from compat.engine.results.constant_result import ConstantResult
from compat.engine.results.fsspec_result import FSSpecResult
from compat.engine.results.gcs_result import GCSResult
from compat.engine.results.local_result import LocalResult
from compat.engine.results.prefect_result import PrefectResult
from compat.engine.results.result_handler_result import ResultHandlerResult
from compat.engine.results.s3_result import S3Result
from compat.engine.results.secret_result import SecretResult

__all__ = [
    "AzureResult",
    "ConstantResult",
    "FSSpecResult",
    "GCSResult",
    "LocalResult",
    "PrefectResult",
    "ResultHandlerResult",
    "S3Result",
    "SecretResult",
]
