"""A custom result handler written for Prefect 0.10 (imports the legacy module path)."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from prefect.engine.result_handlers import ResultHandler


class JSONFileHandler(ResultHandler):
    """Stores each value as a JSON file in ``directory``; the file path is the reference."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def write(self, result: Any) -> str:
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"{uuid.uuid4().hex}.json")
        with open(path, "w", encoding="utf-8") as file:
            json.dump(result, file)
        return path

    def read(self, location: str) -> Any:
        with open(location, encoding="utf-8") as file:
            return json.load(file)
