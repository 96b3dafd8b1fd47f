"""``keepwf serve``'s runtime: durable intake (journal), dispatch (dedupe, trigger matching, the version that runs),
workers (Keep's ``strategy``), interval scheduling and the recorder — no HTTP here (that is ``keepwf.server``)."""
