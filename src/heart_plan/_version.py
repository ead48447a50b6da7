from __future__ import annotations

#: The package version (one place; ``heart_plan.__version__`` re-exports it).
__version__ = "0.1.0"
