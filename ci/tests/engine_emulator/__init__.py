"""A test-only Dagger engine: the GraphQL API the SDK talks, executed on the real Docker Engine.

No Dagger engine can run where shipyard is built, so the module's queries are served here: the
real dagger-io client connects through the SDK's session variables (DAGGER_SESSION_PORT and
DAGGER_SESSION_TOKEN, sdk/python/src/dagger/client/_session.py), the schema is the one the
installed SDK was generated from, and the fields ci/ uses are emulated by `fields.py`, each rule
citing the dagger/dagger file it mirrors. Any other field is an error naming the field. Objects
are lazy like the engine's: nothing runs until a scalar or an export is asked for
(`materialize.py` runs the chain on Docker then, and keeps the result for the session).
"""
