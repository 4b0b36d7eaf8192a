"""The submission contract as code: column and alias lists, reference data, readers, demo data."""
