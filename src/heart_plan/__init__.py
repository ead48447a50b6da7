"""heart_plan: coverage and scheduling planner for Durham's HEART crisis-response teams.

Data flows one way: load & validate -> network & drive times -> demand -> models /
scheduling -> simulation -> maps & report -> CLI.  See DESIGN.md at the repository root.
"""

__version__ = "0.1.0"
