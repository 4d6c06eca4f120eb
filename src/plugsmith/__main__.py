"""``python -m plugsmith`` runs the command line."""

from plugsmith.cli import main

main()
