"""The platform simulation: simulate.py (the bootstrap) and scenarios.py (what it runs)."""
