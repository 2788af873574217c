"""The build container: engine (docker client, ping, network), box (one container's life), session (the
right image for a target), env (index/CA/proxy pass-through), installer, compiler, and job.py (what runs
inside)."""
