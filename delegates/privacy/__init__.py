"""Privacy: retention, "download my data", erasure and the audit of who viewed or
exported personal data. A nested app (``delegates.privacy``, label ``privacy``) with
its own model, admin and tasks, as django-oscar nests its apps."""
