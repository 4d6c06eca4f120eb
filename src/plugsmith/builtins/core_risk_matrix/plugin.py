"""Risk matrix: a 5x5 count of risks by likelihood and impact, severity bands and the top risks.

Risks come from the plan's register and from each task's ``risk``. Score = likelihood x impact;
1-4 low, 5-12 medium, 15-25 high.
"""

from typing import Any

TOP = 5


def collect(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every risk with an id, its task (if any), likelihood, impact and score, in document order."""
    found: list[dict[str, Any]] = []
    for i, risk in enumerate(plan.get("risks") or []):
        found.append({"id": risk.get("id") or f"R{i + 1}", "task": None, **_scored(risk)})
    for task in plan.get("tasks") or []:
        risk = task.get("risk")
        if risk:
            found.append({"id": risk.get("id") or task["id"], "task": task["id"], **_scored(risk)})
    return found


def _scored(risk: dict[str, Any]) -> dict[str, Any]:
    likelihood = int(risk.get("likelihood", 1))
    impact = int(risk.get("impact", 1))
    return {"description": risk.get("description") or "", "likelihood": likelihood, "impact": impact,
            "score": likelihood * impact}


def band(score: int) -> str:
    """Severity band of a likelihood x impact score."""
    return "high" if score >= 15 else "medium" if score >= 5 else "low"


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    """``matrix[likelihood-1][impact-1]`` counts, band counts and up to five top risks (score, then order)."""
    risks = collect(inputs["plan_json"])
    matrix = [[0] * 5 for _ in range(5)]
    bands = {"low": 0, "medium": 0, "high": 0}
    for risk in risks:
        matrix[risk["likelihood"] - 1][risk["impact"] - 1] += 1
        bands[band(risk["score"])] += 1
    ranked = sorted(range(len(risks)), key=lambda i: (-risks[i]["score"], -risks[i]["impact"], i))
    top = [risks[i] for i in ranked[:TOP]]
    return {"risk_matrix": {"matrix": matrix, "bands": bands, "count": len(risks), "top_risks": top}}
