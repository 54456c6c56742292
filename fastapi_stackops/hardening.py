"""The hardening a service's container must show, by the names a contract relaxes them with (`relax`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

#: Runtime settings the engine reports in a container's HostConfig: each name's test says it is lacking.
RUNTIME: Mapping[str, Callable[[dict], bool]] = {
    "read-only": lambda host: not host.get("ReadonlyRootfs"),
    "cap-drop": lambda host: "ALL" not in (host.get("CapDrop") or []),
    "no-new-privileges": lambda host: not any("no-new-privileges" in opt for opt in host.get("SecurityOpt") or []),
    "memory-limit": lambda host: not host.get("Memory"),
    "pids-limit": lambda host: not host.get("PidsLimit"),
    "restart-policy": lambda host: (host.get("RestartPolicy") or {}).get("Name") in (None, "", "no"),
}
#: Checks of their own in smoke (fastapi_stackops.checks.containers), relaxed by the same table.
OWN_CHECKS = ("non-root", "healthcheck", "named-volumes")
#: Every name a contract's `relax` may give.
HARDENING = (*RUNTIME, *OWN_CHECKS)


def hardening_problems(host: dict, relax: tuple[str, ...]) -> list[str]:
    """What of the CIS-style runtime hardening a container lacks, minus what the contract relaxes."""
    return [name for name, lacking in RUNTIME.items() if name not in relax and lacking(host)]
