"""The `govreports` command line (entry point flows.cli.main:main)."""
