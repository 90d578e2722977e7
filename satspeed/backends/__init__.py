"""Execution backends: where a campaign's runs are made (local processes; clusters later)."""
