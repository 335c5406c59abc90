"""``python -m gscdm`` runs the command line."""

from gscdm.cli import main

main()
