"""Legacy result handlers (Prefect 0.10 model), as thin facades over the ``Result`` classes.

Every built-in is importable whether or not its cloud SDK is installed (Prefect silently
dropped the names instead); a missing extra is reported when the handler first does I/O.
"""

from compat.engine.result_handlers.azure_result_handler import AzureResultHandler
from compat.engine.result_handlers.constant_result_handler import ConstantResultHandler
from compat.engine.result_handlers.gcs_result_handler import GCSResultHandler
from compat.engine.result_handlers.json_result_handler import JSONResultHandler
from compat.engine.result_handlers.local_result_handler import LocalResultHandler
from compat.engine.result_handlers.result_handler import ResultHandler
from compat.engine.result_handlers.s3_result_handler import S3ResultHandler
from compat.engine.result_handlers.secret_result_handler import SecretResultHandler

__all__ = [
    "AzureResultHandler",
    "ConstantResultHandler",
    "GCSResultHandler",
    "JSONResultHandler",
    "LocalResultHandler",
    "ResultHandler",
    "S3ResultHandler",
    "SecretResultHandler",
]
