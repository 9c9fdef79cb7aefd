"""gunicorn's settings for every way the web app is started (`make run` via the Procfile, the Docker
image, docker-compose): gunicorn reads ./gunicorn.conf.py by itself.

The access log names the path but never the query string nor the referring page: search words,
names, phones and ID numbers must not land in a log (issue 24 item 2). `%(U)s` is the path alone;
`%(r)s` (the request line) and `%(q)s` would carry the query string, `%(f)s` the referrer's."""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
