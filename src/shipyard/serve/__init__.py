"""`shipyard serve`: run history and trends. Ingests run summaries, serves history pages and stats.

Only this package (and `shipyard.cli.serve_cmd`) imports the web framework and the database layer,
and only when the service is used: the pipeline's core stays free of them.
"""
