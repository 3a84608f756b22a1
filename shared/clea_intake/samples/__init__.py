"""Realistic French sample documents and applications for the demo, the tests and the accuracy corpus."""
