"""What the REV rules (``rules/reviews.py``, ``rules/review_people.py``) see of access
reviews, in each view (``registry.View``):

* **policy**: the reviews the repository declares (``reviews/*.yaml``: ``DesiredState.reviews``),
  judged only when it declares at least one (a repository that declares none does not
  manage reviews; the posture view judges the tenant's);
* **posture**: the tenant's review definitions as read (``TenantState.reviews``), judged
  only when they were read (``None``: not read, e.g. without ``AccessReview.Read.All``).

Who is under review comes from ``views.holders`` (who holds the role in the view); a
reviewer reference is a policy reference (``user:a@contoso.com``) on the policy side and
``user:<object id>`` / ``group:<object id>`` / ``manager`` on the tenant side."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pim_gitops.compile.types import CompiledReview
from pim_gitops.errors import Location
from pim_gitops.lint.engine import LintContext
from pim_gitops.lint.rules.views import Holder, approver, holders, member_users
from pim_gitops.reviews import MANAGER, AccessReview
from pim_gitops.roles import BUILTIN_ROLES, builtin_role_by_name
from pim_gitops.wire import is_guid


@dataclass(frozen=True)
class ReviewSubject:
    """One review definition as a view sees it."""

    review: AccessReview
    #: The reviewed role's template id (``None``: a group review, or a role not known).
    template_id: str | None
    #: The reviewed role's id in this view (tenant object id when read), or the group's id.
    target_id: str
    #: The declaring file (policy view); ``None`` in the posture view.
    compiled: CompiledReview | None
    where: Location

    @property
    def label(self) -> str:
        return f'review["{self.review.name}"]'

    def at(self, setting: str) -> Location:
        """The line that writes ``setting`` (policy view), else the review's file or, in the
        posture view, the tenant file."""
        if self.compiled is not None:
            return self.compiled.provenance.get(setting, self.compiled.location)
        return self.where

    def reviewer_sets(self) -> list[tuple[str, ...]]:
        """Every reviewer set that reviews at some time: the rotation's sets (policy view)
        or the current reviewers, each with the fallback reviewers."""
        rotation = self.compiled.rotation if self.compiled is not None else None
        sets = list(rotation.sets) if rotation is not None else [self.review.reviewers]
        return [(*s, *self.review.fallback_reviewers) for s in sets]


def _template_of(ctx: LintContext, review: AccessReview, written: str) -> str | None:
    if review.target.kind != "role":
        return None
    target = review.target.id.lower()
    if ctx.tenant is not None and target in ctx.tenant.roles:
        return ctx.tenant.roles[target].template_id.lower()
    if target in BUILTIN_ROLES:
        return target
    return builtin_role_by_name(written) if written else None


def _target_id(ctx: LintContext, template: str | None, review: AccessReview) -> str:
    """The reviewed role's id as this view's holders carry it (the group's id for a group)."""
    if template is not None and ctx.view == "policy":
        return ctx.tenant_role_id(template) or template
    return review.target.id.lower()


def review_subjects(ctx: LintContext) -> list[ReviewSubject] | None:
    """The reviews this view judges, by name; ``None`` when it judges none (module
    docstring)."""
    if ctx.view == "policy":
        if not ctx.desired.reviews:
            return None
        out = []
        for c in ctx.desired.reviews:
            template = _template_of(ctx, c.review, c.target_written)
            out.append(
                ReviewSubject(
                    c.review, template, _target_id(ctx, template, c.review), c, c.location
                )
            )
        return sorted(out, key=lambda s: s.review.name)
    if ctx.tenant is None or ctx.tenant.reviews is None:
        return None
    where = Location(ctx.desired.tenant_file)
    found = []
    for review in ctx.tenant.reviews.definitions.values():
        template = _template_of(ctx, review, "")
        found.append(
            ReviewSubject(review, template, _target_id(ctx, template, review), None, where)
        )
    return sorted(found, key=lambda s: s.review.name)


def covered_kinds(review: AccessReview) -> tuple[str, ...]:
    covers = review.target.covers
    return ("eligible", "active") if covers == "all" else (covers,)


def under_review(ctx: LintContext, subject: ReviewSubject) -> list[Holder]:
    """Who the review reviews in this view: the role's holders of the kinds it covers (a
    group review: none known here, see ``group_members_under_review``)."""
    if subject.review.target.kind != "role":
        return []
    kinds = covered_kinds(subject.review)
    ids = {subject.target_id, subject.template_id}
    return [h for h in holders(ctx) if h.role_id in ids and h.kind in kinds]


def group_members_under_review(ctx: LintContext, subject: ReviewSubject) -> set[str]:
    """The object ids of a reviewed group's members, as the tenant lists them."""
    if subject.review.target.kind != "group" or ctx.tenant is None:
        return set()
    gid = subject.review.target.id.lower()
    members = set(ctx.tenant.group_members.get(gid, ()))
    members |= {a.principal_id for a in ctx.tenant.group_assignments if a.role_id.startswith(gid)}
    return members


def reviewer_keys(ctx: LintContext, ref: str) -> set[str]:
    """What a reviewer reference stands for, as comparable keys: the reference itself (lower
    case), the object id it resolves to and, for a group, its member users' ids."""
    if ref == MANAGER:
        return set()
    keys = {ref.lower()}
    _kind, _, value = ref.partition(":")
    if is_guid(value):
        keys.add(value.lower())
    found = approver(ctx, ref)
    if found is not None:
        keys.add(found.id.lower())
        if found.type == "group":
            keys |= {m.id.lower() for m in member_users(ctx, found)}
    return keys


def holder_keys(h: Holder) -> set[str]:
    keys = {h.ref.lower()}
    if h.principal is not None:
        keys.add(h.principal.id.lower())
    return keys


def names(refs: Iterable[str]) -> str:
    return ", ".join(refs) or "nobody"


#: ``Rule.applies_words`` of the REV rules.
JUDGED_WHEN = (
    "reviews are judged when the repository declares them (reviews/*.yaml) or, on the "
    "tenant, when its review definitions were read (AccessReview.Read.All)"
)


def has_reviews(ctx: LintContext) -> bool:
    """``Rule.applies`` of the REV rules: the view has reviews to judge (module docstring)."""
    return review_subjects(ctx) is not None
