"""The live-handoff gateway: Socket.IO sessions, transcripts and the agent queue in Redis."""
