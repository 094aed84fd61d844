"""The app's route table as requests: one per method of every route the app lists (through
nested routers; a mount: one of its files), path parameters filled with plausible values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, routing
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

READ_METHODS = frozenset({"GET", "HEAD"})
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # concrete, path parameters filled
    template: str

    @property
    def writes(self) -> bool:
        return self.method not in READ_METHODS

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def listed_routes(app: FastAPI) -> Iterator[Any]:
    """The app's routes with their full paths, through included routers at any depth."""
    contexts = getattr(routing, "iter_route_contexts", None)  # FastAPI's nested-router view
    yield from contexts(app.routes) if contexts is not None else app.routes


def plausible(route: Any, name: str, word: str) -> str:
    """A value for path parameter `name`: an id for integer parameters, else `word` (a
    source name)."""
    dependant = getattr(route, "dependant", None)
    for param in getattr(dependant, "path_params", []):
        if param.name == name and param.field_info.annotation is int:
            return "1"
    convertor = getattr(route, "param_convertors", {}).get(name)
    return "1" if type(convertor).__name__ == "IntegerConvertor" else word


def calls(app: FastAPI, word: str = "demo") -> list[Call]:
    """One request per method of every listed route (a mount: one of its files)."""
    found = []
    for route in listed_routes(app):
        path = getattr(route, "path", None)
        if path is None:
            continue
        if isinstance(getattr(route, "original_route", route), Mount) or isinstance(route, Mount):
            found.append(Call("GET", path.rstrip("/") + "/" + _a_file(route.app), path + "/…"))
            continue
        concrete = _PARAM.sub(lambda m, r=route: plausible(r, m.group(1), word), path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append(Call(method, concrete, path))
    return found


def _a_file(app: Any) -> str:
    if isinstance(app, StaticFiles) and app.directory is not None:
        files = sorted(p for p in Path(app.directory).rglob("*") if p.is_file())
        if files:
            return files[0].relative_to(app.directory).as_posix()
    return "index.html"
