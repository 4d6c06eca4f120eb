"""Dependency checks on a plan's tasks: duplicate ids, dangling references, cycles.

Kept apart from loading so the pipeline and the report can reuse the topological order.
"""

from __future__ import annotations

from collections.abc import Sequence

from plugsmith.errors import PlanError
from plugsmith.spec import Task


def check_ids(tasks: Sequence[Task], source: str) -> None:
    """Every task id is unique and every ``depends_on`` names a task; errors carry a JSON pointer."""
    first: dict[str, int] = {}
    for i, task in enumerate(tasks):
        if task.id in first:
            raise PlanError(f"/tasks/{i}/id: duplicate task id {task.id!r} (also /tasks/{first[task.id]}/id)",
                            subject=source, hint="give every task its own id")
        first[task.id] = i
    for i, task in enumerate(tasks):
        for j, dep in enumerate(task.depends_on):
            if dep not in first:
                raise PlanError(f"/tasks/{i}/depends_on/{j}: task {task.id!r} depends on unknown task id "
                                f"{dep!r}", subject=source, hint="fix the id or remove the dependency")


def find_cycle(tasks: Sequence[Task]) -> list[str] | None:
    """A dependency cycle as a list of ids (first id repeated at the end), or None.

    Iterative depth-first search so that a long chain of tasks cannot hit the recursion limit.
    """
    deps = {t.id: list(t.depends_on) for t in tasks}
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in deps:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = [root]
        state[root] = 1
        while stack:
            node, k = stack[-1]
            if k < len(deps.get(node, [])):
                stack[-1] = (node, k + 1)
                nxt = deps[node][k]
                if state.get(nxt) == 1:
                    start = path.index(nxt)
                    return [*path[start:], nxt][::-1]
                if not state.get(nxt):
                    state[nxt] = 1
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                state[node] = 2
                stack.pop()
                path.pop()
    return None


def check_acyclic(tasks: Sequence[Task], source: str) -> None:
    """Raise ``PlanError`` naming the cycle (``a -> b -> a``) when the dependencies loop."""
    cycle = find_cycle(tasks)
    if cycle:
        raise PlanError(f"/tasks: dependency cycle {' -> '.join(cycle)}", subject=source,
                        hint="remove one of these depends_on entries")


def topological_order(tasks: Sequence[Task]) -> list[str]:
    """Task ids with every task after its dependencies; ties keep document order (deterministic)."""
    import heapq

    index = {t.id: i for i, t in enumerate(tasks)}
    waiting = {t.id: len(set(t.depends_on)) for t in tasks}
    users: dict[str, list[str]] = {t.id: [] for t in tasks}
    for t in tasks:
        for dep in set(t.depends_on):
            users[dep].append(t.id)
    ready = [(index[i], i) for i, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, tid = heapq.heappop(ready)
        order.append(tid)
        for user in users[tid]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (index[user], user))
    return order


__all__ = ["check_acyclic", "check_ids", "find_cycle", "topological_order"]
