"""The organisation: agencies and the import of a province's administrative units."""
