"""From the user's requirements to a Lock resolved for the target (uv).

requirements (+ requirements_text, requirements_options, local_projects)  read the file as pip does
resolver            the entry point: `lock_requirements`
locked              a file that is already a lock, and its wheels checked for the target
exact / checked     uv's platform is the runtime's / above it (Amazon Linux 2: rounds with exclusions)
uv_compile, uv_errors, target_wheels, index_files   the uv call, its failures, the wheels it offers, the index
lockfile            the lock file as text; runtime_provided  what a layer need not ship
"""
