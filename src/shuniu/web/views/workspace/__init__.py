"""The officer workspace: entering and correcting the registry, its audit trail, imports."""
