"""Sub-commands of the ``riskmap`` CLI; each module has ``register(subparsers)``."""
