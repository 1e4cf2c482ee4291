"""License detection in files: ScanCode's engine in-process and the fast path."""
