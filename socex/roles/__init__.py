"""Staff roles: Django groups whose permissions are defined once, in code."""
