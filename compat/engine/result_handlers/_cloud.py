"""What the three legacy cloud handlers share: base64 payloads and forgiving reads."""

from __future__ import annotations

import logging
from typing import Any

from compat.engine.result_handlers.result_handler import ResultHandler

__all__ = ["CloudResultHandler"]

logger = logging.getLogger("compat.result_handlers")


class CloudResultHandler(ResultHandler):
    """Writes base64 cloudpickle to ``Y/M/D/<uuid>.prefect_result`` keys of a bucket.

    As in Prefect 0.10, ``read`` logs and returns ``None`` when the download or unpickling
    fails, instead of raising; ``write`` errors propagate.
    """

    def _result(self) -> Any:
        raise NotImplementedError  # each subclass builds its Result

    def _storage_result(self) -> Any:
        from compat.engine.serializers import Base64PickleSerializer

        result = self._result()
        result.serializer = Base64PickleSerializer()
        return result

    def write(self, result: Any) -> str:
        return self._storage_result().write(result).location

    def read(self, location: str) -> Any:
        try:
            return self._storage_result().read(location).value
        except EOFError:
            return None
        except Exception:
            logger.exception("%r could not read %r; returning None", self, location)
            return None
