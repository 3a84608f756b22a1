"""Application services: read a case, apply the domain, write it back, tell the workflow and people."""
