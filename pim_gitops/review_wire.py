"""Graph's ``accessReviewScheduleDefinition`` ↔ ``AccessReview``, both ways.

``normalize_review`` reads a definition (``None``: its scope is not a review of a directory
role's assignments or of a group's members, so it is not one this tool manages),
``review_body`` writes the full definition Graph accepts for POST and PUT, and
``normalize_review(review_body(r)) == r``. ``normalize_reviews`` reads the snapshot keys.

Sources (microsoftgraph/microsoft-graph-docs-contrib):

* scope: concepts/accessreviews-scope-concept.md, "Example 9: Review all users assigned to a
  privileged role": ``/roleManagement/directory/roleDefinitions/{role ID}`` (active and
  eligible), ``roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,
  'microsoft.graph.user') and roleDefinitionId eq '{role ID}')`` (eligible),
  ``roleAssignmentScheduleInstances?…(assignmentType eq 'Assigned' and …)`` (active);
  "Example 12" wraps a role in ``principalResourceMembershipsScope.resourceScopes``; a group's
  members: ``/groups/{id}/transitiveMembers`` (api-reference/v1.0/api/
  accessreviewset-post-definitions.md, Example 1) or ``/groups/{id}/members`` (scope concept,
  Example 3). Scopes that narrow the principals (guests, inactive users, service principals)
  or enumerate many groups (``instanceEnumerationScope``) are not ours.
* reviewers: concepts/accessreviews-reviewers-concept.md: ``/users/{userId}``,
  ``/groups/{groupId}/transitiveMembers`` (members review), ``/groups/{groupId}/owners``,
  ``./manager`` with ``queryRoot: decisions``; ``[]`` is a self-review.
* settings and recurrence: resources/accessreviewschedulesettings.md and the POST examples:
  ``instanceDurationInDays``, ``defaultDecisionEnabled``/``defaultDecision``,
  ``autoApplyDecisionsEnabled``, ``justificationRequiredOnApproval``,
  ``recommendationsEnabled``, ``mailNotificationsEnabled``, ``reminderNotificationsEnabled``;
  ``recurrence.pattern`` ``{type: weekly|absoluteMonthly, interval}``, ``recurrence.range``
  ``{type: noEnd|endDate, startDate, endDate}``; Graph answers ``startDate`` as a date
  (``2020-09-08``) for a request that sent a date-time.

Reviewer references beyond the interface's ``user:``/``group:``/``manager``: ``owners:<group
id>`` (a group's owners) and ``query:<query>`` (any other reviewer query, kept verbatim)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, cast

from pim_gitops.errors import PlanError, SnapshotError
from pim_gitops.rawjson import RawObject
from pim_gitops.reviews import (
    MANAGER,
    AccessReview,
    Decision,
    Recurrence,
    ReviewInstance,
    ReviewSettings,
    ReviewState,
    ReviewTarget,
)
from pim_gitops.snapshot import REVIEW_DEFINITIONS, REVIEW_INSTANCES
from pim_gitops.snapshot_extras import REVIEW_READ_ERROR

QUERY_SCOPE = "#microsoft.graph.accessReviewQueryScope"
MEMBERSHIPS_SCOPE = "#microsoft.graph.principalResourceMembershipsScope"
GRAPH = "MicrosoftGraph"
DIR = "/roleManagement/directory"
ROLE_DEFINITION = re.compile(rf"{DIR}/roleDefinitions/([^/?]+)", re.I)
ROLE_INSTANCES = re.compile(rf"{DIR}/role(Eligibility|Assignment)ScheduleInstances\?(.+)", re.I)
ROLE_ID = re.compile(r"roleDefinitionId eq '([^']+)'", re.I)
GROUP_MEMBERS = re.compile(r"/groups/([^/?]+)/(?:transitiveMembers|members)", re.I)
USER = re.compile(r"/users/([^/?]+)", re.I)
OWNERS = re.compile(r"/groups/([^/?]+)/owners", re.I)
#: A leading API version in a query: Graph's role-review tutorial creates and reads back
#: ``/v1.0/users``, ``/v1.0/groups``, ``/beta/roleManagement/directory/roleDefinitions/{id}``
#: and reviewers ``/v1.0/users/{id}`` (concepts/tutorial-accessreviews-roleassignments.md).
VERSION = re.compile(r"^/(?:v1\.0|beta)(?=/)", re.I)
#: The principal scopes of a ``principalResourceMembershipsScope`` that review everyone.
EVERYONE = frozenset({"/users", "/groups"})
DECISIONS: frozenset[str] = frozenset({"None", "Approve", "Deny", "Recommendation"})
FLAGS = {
    "auto_apply": "autoApplyDecisionsEnabled",
    "justification_required": "justificationRequiredOnApproval",
    "recommendations": "recommendationsEnabled",
    "mail_notifications": "mailNotificationsEnabled",
    "reminders": "reminderNotificationsEnabled",
}


def role_scope_query(role_id: str, covers: str) -> str:
    """The documented scope query of a role review (scope concept, Example 9)."""
    if covers == "eligible":
        return (
            f"{DIR}/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,"
            f"'microsoft.graph.user') and roleDefinitionId eq '{role_id}')"
        )
    if covers == "active":
        return (
            f"{DIR}/roleAssignmentScheduleInstances?$expand=principal&$filter=(assignmentType "
            f"eq 'Assigned' and isof(principal,'microsoft.graph.user') and roleDefinitionId "
            f"eq '{role_id}')"
        )
    return f"{DIR}/roleDefinitions/{role_id}"


def _query_target(query: str) -> ReviewTarget | None:
    """The role or group one scope query reviews whole, else ``None``."""
    if found := ROLE_DEFINITION.fullmatch(query):
        return ReviewTarget("role", found.group(1).lower(), "all")
    if found := GROUP_MEMBERS.fullmatch(query.removesuffix("/microsoft.graph.user")):
        return ReviewTarget("group", found.group(1).lower(), "all")
    found = ROLE_INSTANCES.fullmatch(query)
    role = ROLE_ID.search(found.group(2)) if found else None
    if found is None or role is None or "servicePrincipal" in found.group(2):
        return None
    eligible = found.group(1).lower() == "eligibility"
    return ReviewTarget("role", role.group(1).lower(), "eligible" if eligible else "active")


def _query_of(scope: RawObject) -> str | None:
    """The query of a plain query scope (no type, or ``accessReviewQueryScope``); ``None``
    for any other scope (not a review this tool manages, whatever its shape)."""
    kind = scope.text("@odata.type", optional=True)
    if kind is not None and kind.lstrip("#") != QUERY_SCOPE.lstrip("#"):
        return None
    query = scope.text("query", optional=True)
    return unversioned(query) if query else query


def unversioned(query: str) -> str:
    """A query without a leading ``/v1.0`` or ``/beta`` (the same query to Graph)."""
    return VERSION.sub("", query, count=1)


def _enumerates_only(definition: RawObject, target: ReviewTarget | None) -> bool:
    """No ``instanceEnumerationScope``, or one naming the target group alone (``/groups/{id}``,
    as accessreviewscheduledefinition-update.md's example sends); any other enumerates many
    groups (an all-groups review: scope concept, Example 4)."""
    enumeration = definition.obj.get("instanceEnumerationScope")
    if not enumeration:
        return True
    if target is None or target.kind != "group":
        return False
    query = _query_of(RawObject(enumeration, f"{definition.what}, instanceEnumerationScope"))
    return (query or "").lower() == f"/groups/{target.id}"


def review_target(raw: Any) -> ReviewTarget | None:
    """What a definition reviews, when it is a whole role's assignments or a whole group's
    members (plain, or as the one resource of a ``principalResourceMembershipsScope`` over
    all users and groups); ``None`` otherwise."""
    definition = RawObject(raw, "accessReviewScheduleDefinition")
    scope = definition.child("scope")
    if (scope.text("@odata.type", optional=True) or "").lstrip("#") != MEMBERSHIPS_SCOPE[1:]:
        query = _query_of(scope)
        target = _query_target(query) if query else None
        return target if _enumerates_only(definition, target) else None
    if definition.obj.get("instanceEnumerationScope"):
        return None
    principals = [
        RawObject(p, f"{scope.what}, principalScopes") for p in scope.items("principalScopes")
    ]
    resources = [
        RawObject(r, f"{scope.what}, resourceScopes") for r in scope.items("resourceScopes")
    ]
    if len(resources) != 1 or any(_query_of(p) not in EVERYONE for p in principals):
        return None
    query = _query_of(resources[0])
    return _query_target(query) if query else None


def _reviewer(raw: Any, what: str) -> str:
    scope = RawObject(raw, what)
    query = unversioned(scope.req("query"))
    if found := USER.fullmatch(query):
        return f"user:{found.group(1).lower()}"
    if found := GROUP_MEMBERS.fullmatch(query):
        return f"group:{found.group(1).lower()}"
    if found := OWNERS.fullmatch(query):
        return f"owners:{found.group(1).lower()}"
    if query == "./manager":
        return MANAGER
    return f"query:{query}"


def _reviewers(definition: RawObject, key: str) -> tuple[str, ...]:
    found = definition.items(key)
    return tuple(sorted({_reviewer(r, f"{definition.what}, {key}") for r in found}))


def _date(r: RawObject, key: str, required: bool) -> date | None:
    text = r.text(key, optional=not required)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise r.fail(f"{key} is not a date: {text!r}") from None


def _recurrence(settings: RawObject) -> Recurrence:
    recurrence = settings.child("recurrence")
    pattern, span = recurrence.child("pattern"), recurrence.child("range")
    kind = pattern.req("type")
    if kind not in ("weekly", "absoluteMonthly"):
        raise pattern.fail(f"unsupported recurrence type {kind!r} (weekly, absoluteMonthly)")
    interval = pattern.obj.get("interval")
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise pattern.fail(f"'interval' must be a whole number of at least 1, got {interval!r}")
    start = _date(span, "startDate", True)
    assert start is not None
    ends = span.text("type", optional=True) == "endDate"
    end = _date(span, "endDate", True) if ends else None
    return Recurrence(kind, interval, start, end)  # type: ignore[arg-type]


def read_recurrence(settings: Any) -> Recurrence | None:
    """A definition's ``settings.recurrence`` as the model reads it (Graph answers a range
    that never ends as ``numbered`` with no occurrences, and ``dayOfMonth: 0``: list
    definitions, Example 1); ``None`` when it does not read."""
    try:
        return _recurrence(RawObject(settings, "accessReviewScheduleSettings"))
    except SnapshotError:
        return None


def _settings(definition: RawObject) -> ReviewSettings:
    settings = definition.child("settings")
    days = settings.obj.get("instanceDurationInDays")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise settings.fail(f"'instanceDurationInDays' must be a whole number, got {days!r}")
    decision: str | None = None
    if settings.flag("defaultDecisionEnabled", False):
        decision = settings.text("defaultDecision", optional=True) or "None"
        if decision not in DECISIONS:
            raise settings.fail(f"unknown defaultDecision {decision!r}")
    flags = {name: settings.flag(key, False) for name, key in FLAGS.items()}
    return ReviewSettings(days, cast(Decision | None, decision), **flags)


def normalize_review(raw: Any) -> AccessReview | None:
    """A definition → ``AccessReview`` (``None``: not a role or group review, or a one-time
    review without recurrence); a malformed one of ours raises ``SnapshotError``."""
    target = review_target(raw)
    definition = RawObject(raw, "accessReviewScheduleDefinition")
    if target is None or not definition.child("settings").obj.get("recurrence"):
        return None
    name = definition.req("displayName")
    definition.what = f"access review {name!r}"
    settings = definition.child("settings")
    return AccessReview(
        name=name,
        target=target,
        recurrence=_recurrence(settings),
        reviewers=_reviewers(definition, "reviewers"),
        fallback_reviewers=_reviewers(definition, "fallbackReviewers"),
        settings=_settings(definition),
        description=definition.text("descriptionForAdmins", optional=True) or "",
        id=definition.text("id", optional=True),
        raw=MappingProxyType(dict(raw)),
    )


def normalize_instance(raw: Any) -> ReviewInstance:
    """An ``accessReviewInstance`` with the ``definitionId`` the reader added (and
    ``undecidedCount`` when its decisions were counted) → ``ReviewInstance``."""
    r = RawObject(raw, "accessReviewInstance")
    instance_id = r.req("id")
    r.what = f"accessReviewInstance {instance_id}"
    start, end = r.instant("startDateTime"), r.instant("endDateTime")
    if start is None or end is None:
        raise r.fail("needs startDateTime and endDateTime")
    undecided = r.obj.get("undecidedCount")
    if undecided is not None and (not isinstance(undecided, int) or isinstance(undecided, bool)):
        raise r.fail(f"'undecidedCount' must be a whole number, got {undecided!r}")
    status = r.text("status", optional=True) or ""
    return ReviewInstance(instance_id, r.req("definitionId"), start, end, status, undecided)


def _reviewer_scope(ref: str) -> dict[str, Any]:
    prefix, _, value = ref.partition(":")
    if ref == MANAGER:
        return {"query": "./manager", "queryType": GRAPH, "queryRoot": "decisions"}
    queries = {"user": "/users/{}", "group": "/groups/{}/transitiveMembers"}
    queries["owners"] = "/groups/{}/owners"
    if prefix in queries and value:
        return {"query": queries[prefix].format(value), "queryType": GRAPH}
    if prefix == "query" and value:
        return {"query": value, "queryType": GRAPH} | (
            {"queryRoot": "decisions"} if value.startswith("./") else {}
        )
    raise PlanError(f"reviewer {ref!r} is not resolved (user:<id>, group:<id>, manager)")


def _scope_body(target: ReviewTarget) -> dict[str, Any]:
    if target.kind == "group":
        if target.covers != "all":
            raise PlanError(f"a group review covers all members, not {target.covers!r}")
        query = f"/groups/{target.id}/transitiveMembers"
    else:
        query = role_scope_query(target.id, target.covers)
    return {"@odata.type": QUERY_SCOPE, "query": query, "queryType": GRAPH}


def _recurrence_body(recurrence: Recurrence) -> dict[str, Any]:
    pattern: dict[str, Any] = {"type": recurrence.pattern, "interval": recurrence.interval}
    if recurrence.pattern == "absoluteMonthly":
        pattern["dayOfMonth"] = recurrence.start.day
    span: dict[str, Any] = {"type": "noEnd", "startDate": recurrence.start.isoformat()}
    if recurrence.end is not None:
        span = {**span, "type": "endDate", "endDate": recurrence.end.isoformat()}
    return {"pattern": pattern, "range": span}


def review_body(review: AccessReview) -> dict[str, Any]:
    """The full definition for ``POST /identityGovernance/accessReviews/definitions`` and
    ``PUT …/definitions/{id}`` (reviewers resolved; ``PlanError`` otherwise). A PUT "expects
    the full object", applies to future instances only, and changes ``reviewers`` only when
    they are individual users (accessreviewscheduledefinition-update.md); the scope is not
    among its properties, so a changed target is a replace."""
    settings = review.settings
    return {
        "displayName": review.name,
        "descriptionForAdmins": review.description,
        "descriptionForReviewers": review.description,
        "scope": _scope_body(review.target),
        "reviewers": [_reviewer_scope(r) for r in review.reviewers],
        "fallbackReviewers": [_reviewer_scope(r) for r in review.fallback_reviewers],
        "settings": {
            "instanceDurationInDays": settings.instance_duration_days,
            "defaultDecisionEnabled": settings.default_decision is not None,
            "defaultDecision": settings.default_decision or "None",
            **{key: getattr(settings, name) for name, key in FLAGS.items()},
            "recurrence": _recurrence_body(review.recurrence),
        },
    }


def normalize_reviews(snapshot: Mapping[str, Any]) -> tuple[ReviewState | None, str | None]:
    """``(TenantState.reviews, why it is None)``: not read when the snapshot lacks the
    definitions (an older snapshot) or records why they could not be read."""
    refused = snapshot.get(REVIEW_READ_ERROR)
    if refused or REVIEW_DEFINITIONS not in snapshot:
        return None, str(refused) if refused else None
    definitions: dict[str, AccessReview] = {}
    for index, raw in enumerate(snapshot.get(REVIEW_DEFINITIONS) or []):
        review = normalize_review(raw)
        if review is not None:
            if not review.id:
                raise SnapshotError(f"{REVIEW_DEFINITIONS}[{index}]: missing 'id'")
            definitions[review.id] = review
    instances = (normalize_instance(raw) for raw in snapshot.get(REVIEW_INSTANCES) or [])
    kept = sorted(
        (i for i in instances if i.definition_id in definitions),
        key=lambda i: (i.definition_id, i.start, i.id),
    )
    return ReviewState(dict(sorted(definitions.items())), tuple(kept)), None
