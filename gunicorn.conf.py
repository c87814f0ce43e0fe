"""gunicorn's settings for the Procfile's `web` process (gunicorn -c gunicorn.conf.py)."""

import os

# Every interface, on the port the platform (or honcho) gives the process: the proxy connects there.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"  # noqa: S104

# gunicorn's rule of thumb, two per CPU plus one, this process may use; WEB_CONCURRENCY overrides
# it where the CPU count misleads (a container's CPU quota) or memory is the limit.
cpus = (os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()) or 1
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * cpus + 1))

# Sync workers: the views are short database-bound requests, and the proxy buffers slow clients.
worker_class = "sync"

# A request still running after 30 s is stuck: its worker is killed and replaced.
timeout = 30

# On SIGTERM (a deploy, a restart) workers get as long to finish their requests as any may take.
graceful_timeout = 30

# Access log on stdout, errors on stderr: the platform (or honcho) collects both streams.
accesslog = "-"
errorlog = "-"
# One line a request: client, request line, status, bytes, milliseconds and the request id
# (coachhouse/request_id.py), which the site's own log lines for that request carry too.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s "%(a)s"'

# No runtime control socket: the platform and honcho manage the server with signals, and its
# fixed path in the user's home would be shared by every gunicorn the user runs.
control_socket_disable = True

# The proxy in front sets X-Forwarded-Proto; gunicorn trusts it only from these addresses (set
# FORWARDED_ALLOW_IPS to the proxy's, or "*" if only the proxy can reach this port). Django
# reads the header itself (SECURE_PROXY_SSL_HEADER in coachhouse/settings/production.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Each worker is replaced after about 1,000 requests, so slow memory growth cannot build up;
# the jitter keeps the workers from all restarting at the same moment.
max_requests = 1000
max_requests_jitter = 100
