"""Dependencies: manifests and lockfiles of each ecosystem, installed copies, online lookups."""
