"""Pure rules and arithmetic. Nothing here imports a database, web framework or CLI library."""
