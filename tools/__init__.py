"""Developer tools that are not part of the product (`make run`, simulators, load generators)."""
