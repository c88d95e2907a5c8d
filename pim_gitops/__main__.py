"""``python -m pim_gitops`` → the command-line interface."""

from pim_gitops.cli import main

if __name__ == "__main__":
    main()
