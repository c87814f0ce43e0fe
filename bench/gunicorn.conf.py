"""gunicorn's configuration for every server the benches start (bench/harness.py `Gunicorn`).

The harness gives each server its settings on the command line, the same for the floor and
the site. gunicorn would otherwise read the repository's gunicorn.conf.py for the site (it reads
the one in its working directory), whose access log and worker recycling (`max_requests`)
would be measured along with the pages, and not for the floor.
"""

# No runtime control socket: its fixed path would be shared by the floor's and the site's.
control_socket_disable = True
