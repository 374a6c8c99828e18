"""Frozen copies of earlier rule-pack versions, kept callable (no git needed) so the evaluation
can score them beside the current packs. Never edited; never used by the build."""
