"""The command line's exit statuses, in one place."""

EXIT_OK = 0
EXIT_CONTENT = 1  # content errors, a failed preflight rule, stale schemas
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_MISSING = 2  # doctor: the machine lacks something the pipeline needs
EXIT_SAME = 0  # compare: the two versions print the same
EXIT_CHANGED = 1  # compare: something changed, ask for a review
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
INTERRUPTED = "interrupted: finished editions were kept, nothing incomplete was written"
