"""A Prefect 0.10-style application, unchanged: handlers in their own module, flows beside."""
