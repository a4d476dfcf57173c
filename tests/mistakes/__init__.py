"""The table of tests/test_checks_mistakes.py, one module per lesson: its CASES, SECRETS and Fixtures."""
