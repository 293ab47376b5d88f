"""Synthetic records like retrieved example rows: a column planner, a statistical sampler,
few-shot LLM text, validators and a quality report."""
