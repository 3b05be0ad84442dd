"""Parsers for the tools' real reports: pure functions from bytes to frozen value objects.

Every `parse_*` function takes the report's content and the file it came from (`source`) and
raises `shipyard.errors.ReportError` naming that file when the content is malformed or comes
from another tool. An empty-but-valid report parses to zero findings.

Each parser is imported from its own module (`shipyard.parsers.junit`): a run whose every stage
is a cache hit parses no report and loads none of them.
"""
