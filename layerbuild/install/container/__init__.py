"""The build container: engine, container box, installer, the job run inside."""
