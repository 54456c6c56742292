"""The route one task takes through the package: which fastapi_stackops modules it enters, in order, and how often it
comes back to one it had left. For the architecture review, not for CI:

    .venv/bin/python scripts/trace_route.py up --env ci
    .venv/bin/python scripts/trace_route.py deploy --env server

Calls are recorded on every thread (the deploy's tunnel and progress run beside the main one); a run of calls into
one module counts once, so "came back" is how often the route re-entered a module after it had gone elsewhere (a
polling loop comes back once per poll). The distinct caller > callee pairs are the route's shape.
"""

from __future__ import annotations

import collections
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "fastapi_stackops"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    route: list[str] = []
    edges: collections.Counter = collections.Counter()

    def profile(frame, event, arg):
        module = frame.f_globals.get("__name__", "")
        if event != "call" or frame.f_code.co_name == "<module>" or not module.startswith(PACKAGE):
            return  # an import runs a module body: a load, not a step of the route
        caller = frame.f_back.f_globals.get("__name__", "") if frame.f_back else ""
        if caller.startswith(PACKAGE) and caller != module:
            edges[caller, module] += 1
        if not route or route[-1] != module:
            route.append(module)

    threading.setprofile(profile)
    sys.setprofile(profile)
    from invoke.main import program

    try:
        program.run(["inv", *argv], exit=False)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    report(argv, route, edges)
    return 0


def report(argv: list[str], route: list[str], edges: collections.Counter) -> None:
    visits = collections.Counter(route)
    returns = {module: count - 1 for module, count in visits.most_common() if count > 1}
    short = [module.removeprefix(PACKAGE + ".") for module in route]
    print(f"\ninv {' '.join(argv)}: {len(visits)} modules, {len(route)} entries, {sum(returns.values())} returns")
    print("first entries, in order: " + " > ".join(dict.fromkeys(short)))
    for module, count in returns.items():
        print(f"  came back to {module.removeprefix(PACKAGE + '.')} {count} times")
    print(f"{len(edges)} distinct calls from one module into another (caller > callee: calls):")
    for (caller, callee), count in sorted(edges.items()):
        print(f"  {caller.removeprefix(PACKAGE + '.')} > {callee.removeprefix(PACKAGE + '.')}: {count}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
