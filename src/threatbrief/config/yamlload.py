# SPDX-License-Identifier: Apache-2.0
"""Reading feeds.yaml within a budget: its size, its aliases, its values once aliases are
expanded and its depth, counted on the composed graph before any Python object is built, so a
418-byte alias bomb is a one-line error instead of gigabytes of memory."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Problem

# The budget of one feeds.yaml: bytes, aliases, nodes after expanding aliases, nesting depth.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_ALIASES = 1_000
MAX_NODES = 200_000
MAX_DEPTH = 64


class BudgetLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses a document too large once its aliases are expanded.

    An alias costs nothing to parse but every consumer of the data pays for its expansion: a
    418-byte "billion laughs" file is a billion strings to anything that prints or walks it.
    Composing builds the node graph with aliases shared; we count aliases, then the nodes of
    the graph as if every alias were expanded, before any Python object is constructed.
    """

    aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
                raise BudgetError(f"more than {MAX_ALIASES:,} aliases (*name)", event.start_mark)
        return super().compose_node(parent, index)

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            expanded_size(node, {}, 0)
        return node


class BudgetError(yaml.YAMLError):
    """The document is over budget (`BudgetLoader`)."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        self.problem, self.problem_mark = problem, mark
        super().__init__(problem)


def expanded_size(node: yaml.Node, sizes: dict[int, int], depth: int) -> int:
    """Nodes under `node` with every alias expanded; memoised, so linear in the graph.

    Raises:
        yaml.YAMLError: too many nodes, nested too deep, or an alias inside itself.
    """
    key = id(node)
    if key in sizes:
        if sizes[key] < 0:
            raise BudgetError("an alias refers to itself", node.start_mark)
        return sizes[key]
    if depth > MAX_DEPTH:
        raise BudgetError(f"nested more than {MAX_DEPTH} levels", node.start_mark)
    sizes[key] = -1
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(expanded_size(child, sizes, depth + 1) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            total += expanded_size(k, sizes, depth + 1) + expanded_size(v, sizes, depth + 1)
    if total > MAX_NODES:
        raise BudgetError(
            f"more than {MAX_NODES:,} values once aliases are expanded", node.start_mark
        )
    sizes[key] = total
    return total


def yaml_problem(exc: BaseException) -> Problem:
    """A YAML error as one problem at the line where the fix belongs."""
    if isinstance(exc, BudgetError):
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        return Problem(
            where,
            f"refused: {exc.problem}",
            "feeds.yaml needs no more than a few anchors; write the values out",
        )
    # The context mark points where the broken construct opened (an unclosed bracket),
    # which is where the fix belongs; the problem mark is often the end of the file.
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
    problem = getattr(exc, "problem", None) or str(exc)
    return Problem(where, f"not valid YAML: {str(problem)[:200]}")
