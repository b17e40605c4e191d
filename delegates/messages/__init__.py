"""Messages to delegates (an organiser writes to an audience of one edition) and the
agenda-change digest (the people a changed session or workshop run concerns are
told once per few minutes). Both deliver through the outbox, linked to their rows by
its generic ``group`` key."""
