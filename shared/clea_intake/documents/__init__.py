"""Document reading pipeline: classify, read and check supporting documents."""
