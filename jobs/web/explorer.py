"""The explorer's routes: any entities over any range, as a form, a chart, its CSV, the
evidence of each bucket and an entity's page. The URL is the state: every view is a
GET with its parameters, so it can be bookmarked and shared, and no script is needed.

The routes only parse parameters and call the notebook API (jobs/explore.py); pages
come from reports/explorer.py. Starlette is imported here, and this module only by
``mentions serve``, so the CLI starts light.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar, cast
from urllib.parse import urlencode

import duckdb
import polars as pl
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from analytics.entity_names import AmbiguousEntityError, UnknownEntityError
from analytics.form_policy import UnknownFormError
from analytics.timeline import TimelineError
from jobs import explore
from jobs.settings import Settings
from jobs.web.entity_page import entity_href, entity_page, evidence_href
from reports.explorer import (
    BucketRow,
    EvidenceView,
    ExplorerView,
    Link,
    article_views,
    render_entity,
    render_error,
    render_evidence,
    render_explorer,
)
from reports.render import png_bytes

log = logging.getLogger(__name__)
T = TypeVar("T")

EVERY_CHOICES = ("day", "week", "month", "quarter", "year")
MEASURE_CHOICES = ("share", "articles", "mentions")
MAX_ENTITIES = 12
CACHED = 256
EVIDENCE_LIMIT = 20
REQUEST_ERRORS = (
    UnknownEntityError,
    AmbiguousEntityError,
    TimelineError,
    UnknownFormError,
)


class BadRequestError(ValueError):
    """A parameter the user can fix (a malformed day, an unknown bucket length)."""


@dataclass(frozen=True)
class ExploreRequest:
    """The parameters of /explore, /explore/chart.png and /explore/data.csv."""

    entities: list[str]
    start: date | None
    end: date | None
    every: str
    measure: str

    def query(self, **changes: object) -> str:
        """The query string of this request (with ``changes``), in a stable order."""
        values: dict[str, object] = {
            "entity": self.entities,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "every": self.every,
            "measure": self.measure,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v}, doseq=True)


def _day(request: Request, key: str) -> date | None:
    text = request.query_params.get(key, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequestError(f"{key} must be a day as YYYY-MM-DD, not {text!r}") from None


def parse_request(request: Request) -> ExploreRequest:
    """The explorer's parameters; raises BadRequestError naming the bad one."""
    entities = [e.strip() for e in request.query_params.getlist("entity") if e.strip()]
    if len(entities) > MAX_ENTITIES:
        raise BadRequestError(f"at most {MAX_ENTITIES} entities, not {len(entities)}")
    every = request.query_params.get("every", "week") or "week"
    measure = request.query_params.get("measure", "share") or "share"
    if every not in EVERY_CHOICES:
        raise BadRequestError(f"every must be one of {', '.join(EVERY_CHOICES)}, not {every!r}")
    if measure not in MEASURE_CHOICES:
        raise BadRequestError(
            f"measure must be one of {', '.join(MEASURE_CHOICES)}, not {measure!r}"
        )
    return ExploreRequest(entities, _day(request, "from"), _day(request, "to"), every, measure)


def bucket_end(start: date, every: str) -> date:
    """The last day of the bucket starting on ``start``."""
    if every == "day":
        return start
    if every == "week":
        return start + timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[every]
    index = start.month - 1 + months
    return date(start.year + index // 12, index % 12 + 1, 1) - timedelta(days=1)


def _cell(row: dict[str, object], measure: str) -> str:
    if measure == "share":
        return f"{float(row['share'] or 0.0):.1%}"  # type: ignore[arg-type]
    return str(row[measure])


def bucket_rows(frame: pl.DataFrame, asked: ExploreRequest) -> list[BucketRow]:
    """One row per bucket, one linked value per entity (to its evidence, the bucket's
    days clipped to the range asked for)."""
    rows = []
    for (start,), group in frame.group_by("bucket_start", maintain_order=True):
        assert isinstance(start, date)
        first = max(start, asked.start) if asked.start else start
        last = bucket_end(start, asked.every)
        last = min(last, asked.end) if asked.end else last
        cells = [
            Link(_cell(r, asked.measure), evidence_href(r["entity_id"], first, last))
            for r in group.iter_rows(named=True)
        ]
        label = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        rows.append(BucketRow(label, cells))
    return rows


def _suggestions(exc: Exception, asked: ExploreRequest) -> list[Link]:
    if isinstance(exc, AmbiguousEntityError):
        names, wrong = [c.entity_id for c in exc.candidates], exc.name
    elif isinstance(exc, UnknownEntityError):
        names, wrong = exc.closest, exc.name
    else:
        return []
    links = []
    for name in names:
        entities = [name if e == wrong else e for e in asked.entities]
        links.append(Link(name, "/explore?" + asked.query(entity=entities)))
    return links


def _view(asked: ExploreRequest, **more: object) -> ExplorerView:
    return ExplorerView(
        entities=asked.entities,
        start=asked.start.isoformat() if asked.start else "",
        end=asked.end.isoformat() if asked.end else "",
        every=asked.every,
        measure=asked.measure,
        everies=EVERY_CHOICES,
        measures=MEASURE_CHOICES,
        **more,  # type: ignore[arg-type]
    )


def _error_page(status: int, message: str, links: list[Link] | None = None) -> HTMLResponse:
    heading = "That cannot be shown" if status == 400 else "The database cannot be read"
    return HTMLResponse(render_error(status, heading, message, links or []), status)


class Explorer:
    """The routes over one database (read-only; each call opens and closes it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # The page, its chart and its CSV ask for the same frame within a second; the
        # newest CACHED answers are kept per database state (a write changes the stamp).
        self._cache: OrderedDict[tuple[object, ...], object] = OrderedDict()
        self._lock = threading.Lock()

    def _cached(self, key: tuple[object, ...], make: Callable[[], T]) -> T:
        key = (explore.database_stamp(self.settings.db_path), *key)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return cast(T, self._cache[key])
        value = make()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return value

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/explore", self.page, methods=["GET", "HEAD"]),
            Route("/explore/chart.png", self.chart, methods=["GET", "HEAD"]),
            Route("/explore/data.csv", self.data, methods=["GET", "HEAD"]),
            Route("/explore/evidence", self.evidence, methods=["GET", "HEAD"]),
            Route("/entity/{name:path}", self.entity, methods=["GET", "HEAD"]),
        ]

    def _timeline(self, asked: ExploreRequest) -> pl.DataFrame:
        key = ("frame", tuple(asked.entities), asked.start, asked.end, asked.every)
        return self._cached(
            key,
            lambda: explore.timeline(
                self.settings, asked.entities, start=asked.start, end=asked.end, every=asked.every
            ),
        )

    def page(self, request: Request) -> Response:
        try:
            asked = parse_request(request)
        except BadRequestError as exc:
            return _error_page(400, str(exc))
        if not asked.entities:
            return HTMLResponse(render_explorer(_view(asked)))
        try:
            frame = self._timeline(asked)
        except REQUEST_ERRORS as exc:
            view = _view(asked, error=str(exc), suggestions=_suggestions(exc, asked))
            return HTMLResponse(render_explorer(view), 400)
        except duckdb.Error as exc:
            return _error_page(503, f"{self.settings.db_path}: {exc}")
        chosen = frame.select("entity_id", "name").unique(maintain_order=True)
        view = _view(
            asked,
            names=chosen["name"].to_list(),
            chart="/explore/chart.png?" + asked.query(),
            csv="/explore/data.csv?" + asked.query(),
            rows=bucket_rows(frame, asked),
            entity_links=[Link(f"{n}: page", entity_href(i)) for i, n in chosen.iter_rows()],
        )
        return HTMLResponse(render_explorer(view))

    def _frame_or_error(self, request: Request) -> tuple[ExploreRequest, pl.DataFrame] | Response:
        try:
            asked = parse_request(request)
            if not asked.entities:
                raise BadRequestError("name at least one entity: ?entity=RUS")
            return asked, self._timeline(asked)
        except (BadRequestError, *REQUEST_ERRORS) as exc:
            return _error_page(400, str(exc))
        except duckdb.Error as exc:
            return _error_page(503, f"{self.settings.db_path}: {exc}")

    def chart(self, request: Request) -> Response:
        found = self._frame_or_error(request)
        if isinstance(found, Response):
            return found
        asked, frame = found

        def draw() -> bytes:
            # Light compression: a loopback answer, where encoding time matters more
            # than bytes.
            figure = explore.timeline_figure(frame, asked.measure, asked.every, settled=True)
            return png_bytes(figure, compression=1)

        key = ("png", tuple(asked.entities), asked.start, asked.end, asked.every, asked.measure)
        return Response(self._cached(key, draw), media_type="image/png")

    def data(self, request: Request) -> Response:
        found = self._frame_or_error(request)
        if isinstance(found, Response):
            return found
        _, frame = found
        text = frame.with_columns(pl.col("bucket_start").dt.to_string("%Y-%m-%d")).write_csv()
        return PlainTextResponse(text, media_type="text/csv; charset=utf-8")

    def evidence(self, request: Request) -> Response:
        try:
            entity = request.query_params.get("entity", "").strip()
            if not entity:
                raise BadRequestError("name one entity: ?entity=UKR")
            start, end = _day(request, "from"), _day(request, "to")
            found = explore.find_entity(self.settings, entity)
            frame = explore.evidence(
                self.settings, found.entity_id, start, end, limit=EVIDENCE_LIMIT
            )
        except (BadRequestError, *REQUEST_ERRORS) as exc:
            return _error_page(400, str(exc))
        except duckdb.Error as exc:
            return _error_page(503, f"{self.settings.db_path}: {exc}")
        view = EvidenceView(
            name=found.name,
            start=start.isoformat() if start else "the first article",
            end=end.isoformat() if end else "the last article",
            entity_href=entity_href(found.entity_id),
            articles=article_views(frame),
        )
        return HTMLResponse(render_evidence(view))

    def entity(self, request: Request) -> Response:
        name = request.path_params["name"]
        chart = "/explore/chart.png?" + urlencode({"entity": name, "every": "month"})
        csv = "/explore/data.csv?" + urlencode({"entity": name, "every": "month"})
        try:
            page, _ = entity_page(self.settings, name, chart, csv, live=True)
        except REQUEST_ERRORS as exc:
            links = [Link(n, entity_href(n)) for n in _suggestion_names(exc)]
            return _error_page(400, str(exc), links)
        except duckdb.Error as exc:
            return _error_page(503, f"{self.settings.db_path}: {exc}")
        return HTMLResponse(render_entity(page))


def _suggestion_names(exc: Exception) -> list[str]:
    if isinstance(exc, AmbiguousEntityError):
        return [c.entity_id for c in exc.candidates]
    if isinstance(exc, UnknownEntityError):
        return exc.closest
    return []


def explorer_routes(settings: Settings) -> list[BaseRoute]:
    """The explorer's routes over ``settings``' database."""
    return Explorer(settings).routes()
