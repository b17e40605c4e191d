"""No models: the roles are ``auth`` groups. This module makes Django send this app
``post_migrate`` (it skips apps without a models module), so the groups follow their
definitions after every migrate and flush (see apps.py)."""
