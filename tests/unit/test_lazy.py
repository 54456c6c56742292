"""fastapi_stackops/lazy.py: a module imported on first use, whole, whichever thread asks first."""

from __future__ import annotations

import sys
import threading
import time

from fastapi_stackops.lazy import lazy_import

SLOW = "import time\n\ntime.sleep(0.3)  # a large package's import, half done for a while\nanswer = 42\n"


def test_a_thread_asking_while_another_imports_waits_for_the_whole_module(tmp_path, monkeypatch):
    """The SDK is imported off the task's thread while Compose runs; a task whose Compose failed at once read
    docker.errors half-imported ("module 'docker' has no attribute 'errors'")."""
    (tmp_path / "slow_to_import.py").write_text(SLOW)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_to_import", raising=False)
    module = lazy_import("slow_to_import")
    ahead = threading.Thread(target=lambda: module.answer)
    ahead.start()
    time.sleep(0.1)  # the other thread is inside the import now
    assert module.answer == 42
    ahead.join()
