"""The plan: which stages exist for a project, how they depend on each other, and which must run.

Pure Python over the project's files: importing this package imports no engine.
"""
