"""Gates: pure policy functions from parsed reports to a pass/fail verdict with reasons.

Each gate lives in its own module and is imported from there (`shipyard.gates.lint`), so that
reading a cached verdict (`shipyard.gates.result`) loads no gate and no parser.
"""
