"""What `rtconsole` wires together: agents, backend and local engine, logs, the console app."""
