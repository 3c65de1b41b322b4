"""cityclusters: data step, tidy tables and indicators for the executable book
*Coordinated development of Chinese city clusters* (城市群协同发展)."""

__version__ = "0.1.0"
