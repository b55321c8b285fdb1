"""Newsroom: YAML event reports → newsletter email and press release → mailing-list providers.

Importing the package has no side effects; the stages live in their own modules.
"""

__version__ = "0.1.0"
