"""The stages of the pipeline: each as data (an action) plus a pure evaluate function."""
