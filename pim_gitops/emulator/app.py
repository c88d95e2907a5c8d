"""The emulator's HTTP face: a Starlette app serving ``/v1.0/…`` plus control endpoints
under ``/_emulator/…`` that are never delayed, faulted, held or counted."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as HttpRoute
from starlette.types import Receive, Scope, Send

from pim_gitops.emulator import (
    activation,
    admin_units,
    alert_routes,
    approval_routes,
    extension_routes,
    group_routes,
    pending,
    review_routes,
)
from pim_gitops.emulator.authcontexts import read_refusal
from pim_gitops.emulator.errors import GraphFault, GraphReply, bad_request, error_body
from pim_gitops.emulator.faults import Decision, FaultConfig, Faults
from pim_gitops.emulator.holds import Holds
from pim_gitops.emulator.identity import Caller, read_token, write_refusal
from pim_gitops.emulator.licence import licence_fault
from pim_gitops.emulator.replication import capture, check_subject, lagged_view, record, tables_of
from pim_gitops.emulator.respell import Respeller
from pim_gitops.emulator.routes import Context, dispatch, resolve
from pim_gitops.emulator.store import Store
from pim_gitops.wire import format_instant

GRAPH_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)
BATCH_MAX = 20
#: Modules whose routes register on import (beside ``routes.py`` and ``authcontexts.py``).
ROUTE_MODULES = (
    admin_units,
    alert_routes,
    approval_routes,
    extension_routes,
    group_routes,
    review_routes,
)
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Stats:
    requests: int = 0
    inner_requests: int = 0
    #: Writes Graph applied (2xx), alone or inside ``$batch``.
    writes: int = 0
    #: Every write request that arrived (PATCH/POST/PUT/DELETE, alone or inside ``$batch``;
    #: not ``$batch`` itself nor ``getByIds``), whatever its outcome: faulted, refused or applied.
    write_attempts: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_concurrency: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "inner_requests": self.inner_requests,
                "writes": self.writes,
                "write_attempts": self.write_attempts,
                "by_route": dict(sorted(self.by_route.items())),
                "max_concurrency": self.max_concurrency,
            }

    def reset(self) -> None:
        with self.lock:
            self.requests = self.inner_requests = self.max_concurrency = 0
            self.writes = self.write_attempts = 0
            self.by_route.clear()


def _signed_in_user(claims: Mapping[str, Any] | None) -> str | None:
    """The object id of a delegated token's user (``None``: app-only or no JWT)."""
    if claims is None or claims.get("idtyp") == "app" or not claims.get("scp"):
        return None
    return str(claims.get("oid") or "") or None


def _check_ordering(requests: list[Mapping[str, Any]]) -> None:
    """A ``$batch`` is entirely parallel (no ``dependsOn``) or entirely sequential (each
    request after the first depends on the one before it); anything else is refused
    (microsoft-graph-docs-contrib#2339; message *assumption*)."""
    deps = [list(item.get("dependsOn") or []) for item in requests]
    if not any(deps):
        return
    chain = all(
        deps[i] == ([str(requests[i - 1]["id"])] if i else []) for i in range(len(requests))
    )
    if not chain:
        raise bad_request(
            "The batch must be entirely sequential (each request depends on the one before "
            "it) or entirely parallel (no dependsOn)."
        )


class _Truncated(Response):
    """A response cut off mid-body: the client sees the connection drop."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send(
            {"type": "http.response.body", "body": b'{"value": [{"id": ', "more_body": False}
        )


class Emulator:
    """A tenant behind Graph's PIM endpoints, seeded from a snapshot."""

    def __init__(
        self,
        snapshot: Mapping[str, Any],
        *,
        page_size: int = 100,
        max_top: int = 999,
        faults: FaultConfig | None = None,
        clock: Clock = _utcnow,
        respell: bool = False,
        caller: Caller | None = None,
        lag_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``respell=True`` is a shorthand for ``faults=FaultConfig(respell=True)``;
        ``caller``: who the issued token names (default: the sample tenant's apply service
        principal, ``Caller()``); ``lag_clock``: the seconds replication lag is counted on
        (``replication.py``)."""
        if page_size < 1:
            raise ValueError("page_size must be positive")
        self.store = Store(snapshot)
        self.page_size = page_size
        self.max_top = max_top
        config = faults or FaultConfig()
        self.faults = Faults(replace(config, respell=True) if respell else config)
        self.clock = clock
        self.lag_clock = lag_clock
        self.stats = Stats()
        self.initial_caller = caller or Caller()
        #: Who the token of ``GET /_emulator/token`` names; set it, or POST /_emulator/identity.
        self.caller = self.initial_caller
        #: Writes held until released (``holds.add(...)``; ``holds.py``).
        self.holds = Holds()
        self.app = Starlette(
            routes=[
                HttpRoute("/_emulator/stats", self._stats, methods=["GET"]),
                HttpRoute("/_emulator/token", self._token, methods=["GET", "POST"]),
                HttpRoute("/_emulator/identity", self._identity, methods=["GET", "POST"]),
                HttpRoute("/_emulator/holds", self._holds, methods=["GET", "POST"]),
                HttpRoute("/_emulator/holds/{id}/release", self._release, methods=["POST"]),
                HttpRoute("/_emulator/snapshot", self._snapshot, methods=["GET"]),
                HttpRoute("/_emulator/principals", self._principals, methods=["POST"]),
                HttpRoute("/_emulator/reset", self._reset, methods=["POST"]),
                HttpRoute("/_emulator/faults", self._faults, methods=["GET", "POST"]),
                HttpRoute("/_emulator/governance", self._governance, methods=["GET", "POST"]),
                HttpRoute(
                    "/v1.0/{path:path}",
                    self._graph,
                    methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
                ),
                HttpRoute(
                    "/beta/{path:path}",
                    self._graph,
                    methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
                ),
            ]
        )

    # --- control ---------------------------------------------------------------------------

    async def _stats(self, request: Request) -> Response:
        return JSONResponse(self.stats.as_dict())

    async def _snapshot(self, request: Request) -> Response:
        return JSONResponse(self.store.snapshot(format_instant(self.clock())))

    def add_principal(self, obj: Mapping[str, Any]) -> None:
        """Create a user, group or service principal now: with ``principal_lag_s`` set,
        PIM answers ``404 SubjectNotFound`` for it for that long."""
        self.store.add_principal(obj, self.lag_clock())

    async def _principals(self, request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            if not isinstance(data, dict) or not isinstance(data.get("id"), str):
                raise ValueError("expected a directory object with an 'id'")
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        self.add_principal(data)
        return JSONResponse(data, status_code=201)

    async def _reset(self, request: Request) -> Response:
        self.store.reset()
        self.stats.reset()
        self.faults.configure(self.faults.config)
        self.holds.release_all()
        self.caller = self.initial_caller
        return Response(status_code=204)

    def token(self) -> str:
        """The access token issued for the current caller (unsigned JWT, ``identity.py``)."""
        return self.caller.token(self.store.tenant_id, self.clock())

    async def _token(self, request: Request) -> Response:
        return JSONResponse(
            {"access_token": self.token(), "token_type": "Bearer", "expires_in": 3600}
        )

    async def _identity(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                data = json.loads(await request.body() or b"{}")
                if not isinstance(data, dict):
                    raise ValueError("expected a JSON object")
                self.caller = Caller.from_dict(data)
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(self.caller.as_dict())

    async def _holds(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                data = json.loads(await request.body() or b"{}")
                if not isinstance(data, dict):
                    raise ValueError("expected a JSON object")
                return JSONResponse(self.holds.add_from(data).as_dict(), status_code=201)
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"value": [h.as_dict() for h in self.holds.all()]})

    async def _release(self, request: Request) -> Response:
        hold = self.holds.get(request.path_params["id"])
        if hold is None:
            return JSONResponse({"error": "no such hold"}, status_code=404)
        hold.release()
        return JSONResponse(hold.as_dict())

    async def _governance(self, request: Request) -> Response:
        """Whether the tenant has the Entra ID Governance licence PIM custom extensions need
        (``extension_routes.py``): ``{"licensed": false}`` takes it away until reset."""
        if request.method == "POST":
            data = json.loads(await request.body() or b"{}")
            if not isinstance(data, dict) or not isinstance(data.get("licensed"), bool):
                return JSONResponse({"error": "expected {'licensed': bool}"}, status_code=400)
            self.store.beta.governance_licensed = data["licensed"]
        return JSONResponse({"licensed": self.store.beta.governance_licensed})

    async def _faults(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                changes = json.loads(await request.body() or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("expected a JSON object")
                self.faults.configure(self.faults.config.update(changes))
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(self.faults.config.as_dict())

    # --- Graph ------------------------------------------------------------------------------

    def _reply(self, reply: GraphReply, request_id: str) -> Response:
        headers = {"request-id": request_id, "client-request-id": request_id, **reply.headers}
        if reply.status == 204 or reply.body is None:
            return Response(status_code=reply.status, headers=headers)
        return Response(
            json.dumps(reply.body),
            status_code=reply.status,
            headers=headers,
            media_type=GRAPH_CONTENT_TYPE,
        )

    def _fault_reply(self, status: int, code: str, message: str, request_id: str) -> GraphReply:
        date = format_instant(self.clock())
        return GraphReply(status, error_body(code, message, request_id, date))

    def _decided(self, decision: Decision, request_id: str) -> GraphReply | None:
        if decision.fault == "throttle":
            reply = self._fault_reply(
                429, "TooManyRequests", "Please retry again later.", request_id
            )
            reply.headers["Retry-After"] = str(decision.retry_after)
            return reply
        if decision.fault == "unavailable":
            return self._fault_reply(
                503, "serviceNotAvailable", "The service is temporarily unavailable.", request_id
            )
        if decision.fault == "timeout":
            return self._fault_reply(504, "GatewayTimeout", "The gateway timed out.", request_id)
        return None

    def _respeller(self) -> Respeller | None:
        config = self.faults.config
        return Respeller(config.seed) if config.respell else None

    def _attempted(self, write: bool) -> None:
        if write:
            with self.stats.lock:
                self.stats.write_attempts += 1

    def execute(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: Any,
        base_url: str,
        claims: Mapping[str, Any] | None = None,
        version: str = "v1.0",
    ) -> tuple[GraphReply, bool]:
        """Run one Graph request (no faults) for the caller the token's ``claims`` name;
        returns the reply and whether it was a write."""
        request_id = str(uuid.uuid4())
        write = False
        try:
            route_, args = resolve(method, path, version)
            write = route_.write
            with self.stats.lock:
                self.stats.by_route[f"{route_.method} {route_.template}"] += 1
            refusal = (
                write_refusal(claims, route_.template, self.store, path)
                if write
                else read_refusal(claims, route_.template)
            )
            refusal = activation.own_activation_refusal(claims, route_.template, body, refusal)
            refusal = refusal or pending.list_refusal(claims, method, route_.template)
            refusal = refusal or review_routes.read_refusal(claims, route_.template)
            refusal = refusal or alert_routes.refusal(claims, route_.template, write)
            if refusal:
                raise GraphFault(403, "Authorization_RequestDenied", refusal)
            unlicensed = licence_fault(route_.template, self.faults.config.no_p2_licence)
            if unlicensed is not None:
                raise unlicensed
            store = self._replica(write)
            if write and route_.template.endswith("ScheduleRequests"):
                config = self.faults.config
                check_subject(
                    self.store.replication, body, self.lag_clock(), config.principal_lag_s
                )
            ctx = Context(
                store,
                method,
                params,
                body,
                self.clock(),
                base_url,
                path.strip("/"),
                self.page_size,
                self.max_top,
                self._respeller(),
                self.faults.config.rotate_group_policy_ids,
                _signed_in_user(claims),
            )
            lag = self.faults.config.replication_lag_s
            before = capture(self.store, tables_of(route_.template)) if write and lag else None
            reply = dispatch(ctx, route_, args)
            if before is not None and reply.status < 300:
                with self.store.lock:
                    record(self.store.replication, self.store, before, self.lag_clock() + lag)
        except GraphFault as fault:
            reply = self._fault_reply(fault.status, fault.code, fault.message, request_id)
        if write and reply.status < 300:
            with self.stats.lock:
                self.stats.writes += 1
        return reply, write

    def _replica(self, write: bool) -> Store:
        """The store a request is served from: a write goes to the primary; a read, under
        ``replication_lag_s``, to a view without the writes not yet replicated."""
        if write or not self.faults.config.replication_lag_s:
            return self.store
        with self.store.lock:
            view: Store = lagged_view(self.store, self.store.replication, self.lag_clock())
            return view

    async def _graph(self, request: Request) -> Response:
        request_id = request.headers.get("client-request-id") or str(uuid.uuid4())
        with self.stats.lock:
            self.stats.requests += 1
            self.stats.in_flight += 1
            self.stats.max_concurrency = max(self.stats.max_concurrency, self.stats.in_flight)
        try:
            return await self._serve(request, request_id)
        finally:
            with self.stats.lock:
                self.stats.in_flight -= 1

    async def _serve(self, request: Request, request_id: str) -> Response:
        path = request.path_params["path"]
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            reply = self._fault_reply(
                401, "InvalidAuthenticationToken", "Access token is empty.", request_id
            )
            return self._reply(reply, request_id)
        claims, problem = read_token(auth[7:].strip(), self.store.tenant_id)
        if problem:
            reply = self._fault_reply(401, "InvalidAuthenticationToken", problem, request_id)
            return self._reply(reply, request_id)
        is_batch = path.strip("/") == "$batch"
        write = request.method in ("POST", "PATCH", "PUT", "DELETE") and not is_batch
        write = write and not path.rstrip("/").endswith("getByIds")
        self._attempted(write)
        decision = self.faults.decide(write=write)
        if decision.delay_s:
            await asyncio.sleep(decision.delay_s)
        if decision.fault in ("reset", "abort"):
            return _Truncated()
        if decision.fault == "html":
            return Response(
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
                status_code=502,
                media_type="text/html",
            )
        early = self._decided(decision, request_id)
        if early is not None:
            return self._reply(early, request_id)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self._reply(
                self._fault_reply(
                    400, "BadRequest", "Unable to read JSON request payload.", request_id
                ),
                request_id,
            )
        version = "beta" if request.url.path.startswith("/beta/") else "v1.0"
        base_url = str(request.base_url).rstrip("/") + "/" + version
        if is_batch:
            if request.method != "POST":
                fault = GraphFault(405, "Request_BadRequest", "$batch takes POST.")
                return self._reply(
                    self._fault_reply(fault.status, fault.code, fault.message, request_id),
                    request_id,
                )
            with self.stats.lock:
                self.stats.by_route["POST $batch"] += 1
            return await self._batch(body, base_url, request_id, claims, version)
        params = dict(request.query_params)
        await self.holds.pause(request.method, path, body)
        reply, _ = self.execute(request.method, path, params, body, base_url, claims, version)
        await self.holds.pause(request.method, path, body, after=True)
        if decision.fault == "ghost":
            reply = self._fault_reply(504, "GatewayTimeout", "The gateway timed out.", request_id)
        return self._reply(reply, request_id)

    # --- $batch -------------------------------------------------------------------------------

    def _batch_items(self, body: Any) -> list[Mapping[str, Any]]:
        requests = body.get("requests") if isinstance(body, Mapping) else None
        if not isinstance(requests, list) or not requests:
            raise bad_request("The batch body must carry a non-empty 'requests' array.")
        if len(requests) > BATCH_MAX:
            raise bad_request(f"The batch has more than {BATCH_MAX} requests.")
        seen: set[str] = set()
        for item in requests:
            if not isinstance(item, Mapping) or not all(
                isinstance(item.get(k), str) and item.get(k) for k in ("id", "method", "url")
            ):
                raise bad_request("Every batch request needs 'id', 'method' and 'url'.")
            if item["id"] in seen:
                raise bad_request(f"Duplicate batch request id {item['id']}.")
            for dep in item.get("dependsOn") or []:
                if dep not in seen:
                    raise bad_request(f"Invalid dependency for request Id: {item['id']}.")
            if "body" in item and not any(
                k.lower() == "content-type" for k in (item.get("headers") or {})
            ):
                raise bad_request(f"Request {item['id']}: a body needs a Content-Type header.")
            if str(item["url"]).startswith(("http://", "https://")):
                raise bad_request(f"Request {item['id']}: the url must be relative.")
            seen.add(item["id"])
        _check_ordering(requests)
        return requests

    async def _batch(
        self,
        body: Any,
        base_url: str,
        request_id: str,
        claims: Mapping[str, Any] | None,
        version: str = "v1.0",
    ) -> Response:
        try:
            items = self._batch_items(body)
        except GraphFault as fault:
            return self._reply(
                self._fault_reply(fault.status, fault.code, fault.message, request_id), request_id
            )
        statuses: dict[str, int] = {}
        responses = []
        for item in items:
            inner_id = str(uuid.uuid4())
            with self.stats.lock:
                self.stats.inner_requests += 1
            method = str(item["method"]).upper()
            url = str(item["url"])
            path, _, query = url.lstrip("/").partition("?")
            if path.lower().startswith(f"{version}/"):
                path = path[len(version) + 1 :]
            write = method in ("POST", "PATCH", "PUT", "DELETE") and not path.endswith("getByIds")
            self._attempted(write)
            failed_dep = [d for d in item.get("dependsOn") or [] if statuses.get(d, 200) >= 400]
            if failed_dep:
                reply = self._fault_reply(
                    424, "FailedDependency", f"Depends on failed request {failed_dep[0]}.", inner_id
                )
            else:
                decision = self.faults.decide(write=write, inner=True)
                if decision.fault == "abort":
                    return _Truncated()  # the process "dies" with earlier items applied
                early = self._decided(decision, inner_id)
                if early is not None:
                    reply = early
                else:
                    params = dict(parse_qsl(query, keep_blank_values=True))
                    await self.holds.pause(method, path, item.get("body"))
                    reply, _ = self.execute(
                        method, path, params, item.get("body"), base_url, claims, version
                    )
                    await self.holds.pause(method, path, item.get("body"), after=True)
                    if decision.fault == "ghost":
                        reply = self._fault_reply(504, "GatewayTimeout", "Timed out.", inner_id)
            statuses[str(item["id"])] = reply.status
            entry: dict[str, Any] = {"id": item["id"], "status": reply.status}
            headers = {"request-id": inner_id, **reply.headers}
            if reply.body is not None:
                headers["Content-Type"] = "application/json"
            entry["headers"] = headers
            entry["body"] = reply.body
            responses.append(entry)
        # Graph may answer batch items in any order; clients must match on id.
        random.Random(self.faults.config.seed + len(responses)).shuffle(responses)
        return self._reply(GraphReply(200, {"responses": responses}), request_id)
