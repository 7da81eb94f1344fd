"""The pool as a picture: providers -> mappings -> rules (in evaluation order) -> roles -> trust.

A pure model that every diagram format draws (simulator/render/graph_*.py): nodes and edges with
the marks a reviewer looks for, the rules that never decide (unreachable or shadowed, from the
reachability analysis), the path a token takes when no rule matches (AmbiguousRoleResolution), and
the guest path [RBAC: rules are evaluated in order, the first match wins; guests get the
unauthenticated role and mappings never apply to them].
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import msgspec

from simulator.analysis.providers import configured_providers, provider_label
from simulator.analysis.reachability import analyze
from simulator.analysis.regions import PoolAnalysis
from simulator.iam.trust import evaluate_trust
from simulator.model.pool import IdentityPool, RoleMapping
from simulator.request import Flow

NodeKind = Literal["provider", "mapping", "rule", "role", "refusal", "guest", "trust"]
EdgeKind = Literal["next", "match", "no-match", "ambiguous", "default", "guest", "trust"]
Mark = Literal["unreachable", "shadowed", "changed", "finding"]


class GraphNode(msgspec.Struct, frozen=True):
    id: str
    kind: NodeKind
    label: str
    marks: frozenset[Mark] = frozenset()


class GraphEdge(msgspec.Struct, frozen=True):
    source: str
    target: str
    kind: EdgeKind
    label: str = ""


class PoolGraph(msgspec.Struct, frozen=True):
    title: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]

    def node(self, node_id: str) -> GraphNode:
        return next(n for n in self.nodes if n.id == node_id)

    def marked(self, ids: Iterable[str], mark: Mark) -> PoolGraph:
        wanted = set(ids)
        nodes = tuple(
            GraphNode(n.id, n.kind, n.label, n.marks | {mark}) if n.id in wanted else n
            for n in self.nodes
        )
        return PoolGraph(self.title, nodes, self.edges)

    def around(self, ids: Iterable[str]) -> PoolGraph:
        """Only the paths through the nodes `ids` (the part a review is about): what leads to
        them and what they lead to."""
        keep = set(ids)
        for forward in (True, False):
            frontier = set(ids)
            while frontier:
                step = {
                    (e.target if forward else e.source)
                    for e in self.edges
                    if (e.source if forward else e.target) in frontier
                }
                frontier = step - keep
                keep |= step
        return PoolGraph(
            self.title,
            tuple(n for n in self.nodes if n.id in keep),
            tuple(e for e in self.edges if e.source in keep and e.target in keep),
        )


def node_for_path(path: Sequence[str | int]) -> str | None:
    """The node a pool-file path (a finding's, a change's) belongs to: a rule or a mapping."""
    if len(path) >= 2 and path[0] == "RoleMappings":
        key = str(path[1])
        if len(path) >= 5 and path[2:4] == ("RulesConfiguration", "Rules"):
            return f"rule:{key}:{path[4]}"
        return f"mapping:{key}"
    return None


class _Builder(msgspec.Struct):
    pool: IdentityPool
    analysis: PoolAnalysis
    nodes: dict[str, GraphNode] = msgspec.field(default_factory=dict)
    edges: list[GraphEdge] = msgspec.field(default_factory=list)

    def add(self, node: GraphNode) -> str:
        self.nodes.setdefault(node.id, node)
        return node.id

    def link(self, source: str, target: str, kind: EdgeKind, label: str = "") -> None:
        self.edges.append(GraphEdge(source, target, kind, label))

    def role(self, arn: str) -> str:
        return self.add(GraphNode(f"role:{arn}", "role", arn.rsplit("/", 1)[-1]))

    def refusal(self, code: str, why: str) -> str:
        return self.add(GraphNode(f"refusal:{code}:{why}", "refusal", f"{code}: {why}"))

    def default_role(self, source: str, label: str, kind: EdgeKind = "default") -> None:
        arn = self.pool.authenticated_role
        if arn is None:
            target = self.refusal("InvalidIdentityPoolConfigurationException", "no default role")
        else:
            target = self.role(arn)
        self.link(source, target, kind, label)


def pool_graph(pool: IdentityPool, analysis: PoolAnalysis | None = None) -> PoolGraph:
    """Every provider's path to a role or a refusal, the guest path, and each role's trust."""
    b = _Builder(pool, analysis or analyze(pool))
    for provider in configured_providers(pool):
        label = provider_label(provider)
        source = b.add(GraphNode(f"provider:{label}", "provider", provider.name))
        mapping = pool.mapping_for(provider)
        if mapping is None:
            b.default_role(source, "no role mapping")
        else:
            _mapping(b, source, label, mapping)
    _guest(b)
    _trust(b)
    return PoolGraph(pool.source, tuple(b.nodes.values()), tuple(b.edges))


def _mapping(b: _Builder, source: str, label: str, mapping: RoleMapping) -> None:
    node = b.add(
        GraphNode(
            f"mapping:{mapping.key}",
            "mapping",
            f"{mapping.type} mapping, AmbiguousRoleResolution {mapping.ambiguous_role_resolution}",
        )
    )
    b.link(source, node, "next")
    found = b.analysis.provider(label)
    unreachable = set(found.unreachable_rules) if found else set()
    shadowed = set(found.shadowed_rules) if found else set()
    previous, edge = node, "next"
    if mapping.type == "Token":
        roles = b.add(
            GraphNode(f"token:{mapping.key}", "rule", "cognito:preferred_role or cognito:roles")
        )
        b.link(node, roles, "next")
        named = b.add(GraphNode("role:from-token", "role", "the role the token names"))
        b.link(roles, named, "match", "a role claim")
        previous, edge = roles, "no-match"
    for i, rule in enumerate(mapping.rules):
        marks: set[Mark] = set()
        if i in unreachable:
            marks.add("unreachable")
        if i in shadowed:
            marks.add("shadowed")
        rule_id = b.add(
            GraphNode(
                f"rule:{mapping.key}:{i}",
                "rule",
                f"rule {i}: {rule.claim} {rule.match_type} {rule.value}",
                frozenset(marks),
            )
        )
        b.link(previous, rule_id, "next" if edge == "next" else "no-match",
               "" if edge == "next" else "no match")  # fmt: skip
        b.link(rule_id, b.role(rule.role_arn), "match", "match")
        previous, edge = rule_id, "no-match"
    # [RBAC] No rule matches (or no role claim): AmbiguousRoleResolution decides.
    if mapping.ambiguous_role_resolution == "Deny":
        target = b.refusal("NotAuthorizedException", "ambiguous role mapping denied")
        b.link(previous, target, "ambiguous", "no rule matches: Deny")
    else:
        b.default_role(previous, "no rule matches: AuthenticatedRole", "ambiguous")


def _guest(b: _Builder) -> None:
    """[RBAC] Guests get the unauthenticated role, never a mapping's."""
    pool = b.pool
    guest = b.add(GraphNode("guest", "guest", "guest (no login)"))
    if not pool.allow_unauthenticated:
        target = b.refusal("NotAuthorizedException", "unauthenticated access is not supported")
    elif pool.unauthenticated_role is None:
        target = b.refusal("InvalidIdentityPoolConfigurationException", "no unauthenticated role")
    else:
        target = b.role(pool.unauthenticated_role)
    b.link(guest, target, "guest", "unauthenticated")


def _trust(b: _Builder) -> None:
    """Each role's trust of this pool, where the pool carries IAM data."""
    pool, iam = b.pool, b.pool.iam
    if iam is None:
        return
    for node in [n for n in b.nodes.values() if n.kind == "role" and n.id != "role:from-token"]:
        arn = node.id.removeprefix("role:")
        role = iam.role(arn)
        if role is None or role.trust_policy is None:
            label = "trust unknown: not in the IAM data"
        else:
            amr = ["unauthenticated"] if arn == pool.unauthenticated_role else ["authenticated"]
            outcome = evaluate_trust(
                role, identity_pool_id=pool.identity_pool_id, amr=amr,
                identity_id=f"{pool.identity_pool_id}-id", principal_tags={}, flow=Flow.ENHANCED,
            ).outcome  # fmt: skip
            label = {"allowed": "trusts this pool", "denied": "trust refuses this pool"}.get(
                outcome, "trust unknown"
            )
        b.link(node.id, b.add(GraphNode(f"trust:{arn}", "trust", label)), "trust")


def changed_graph(
    pool: IdentityPool, changes: Iterable[tuple[Sequence[str | int], str]]
) -> PoolGraph:
    """The new pool's paths through what a diff found changed: each change's rule or mapping
    (its path in the pool file), else its provider, or the guest path."""
    drawn = pool_graph(pool)
    known = {n.id for n in drawn.nodes}
    marked: set[str] = set()
    for path, provider in changes:
        node = node_for_path(path)
        if node is None or node not in known:
            node = "guest" if provider == "unauthenticated" else f"provider:{provider}"
        if node in known:
            marked.add(node)
    return drawn.marked(marked, "changed").around(marked)
