"""Schemathesis hooks for scripts/fuzz/schemathesis.ts (loaded through SCHEMATHESIS_HOOKS).

Schemathesis reuses ids it saw in earlier answers (GET /api/admin/workspaces lists them). Left alone it
disables the run's own source workspace, gives it a rate limit of 1/min, caps its buyer or deletes its
catch-all rule, and every later request with the source key is then a 401 or 429 that tests nothing.
The runner creates a decoy of each (same kind, same settings) and passes LR_FUZZ_SUBSTITUTE_IDS, a JSON
map {protected id: decoy id}: a request that would change a protected workspace or rule changes its decoy
instead. Reads and every other request are untouched.
"""

import json
import os

import schemathesis

SUBSTITUTES = json.loads(os.environ.get("LR_FUZZ_SUBSTITUTE_IDS") or "{}")
CHANGING = {"PATCH", "PUT", "DELETE"}


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if case.method.upper() not in CHANGING or not case.path_parameters:
        return
    current = case.path_parameters.get("id")
    if isinstance(current, str) and current in SUBSTITUTES:
        case.path_parameters["id"] = SUBSTITUTES[current]
