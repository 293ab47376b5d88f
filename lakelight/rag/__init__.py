"""Question answering: route a question, answer lookups with cited rows, answer aggregates with
checked SQL over the catalog."""
