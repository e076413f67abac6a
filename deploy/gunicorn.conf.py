"""gunicorn settings for Jianjian: several sync workers behind nginx. The SLA scheduler is NOT started here;
it runs as its own process (`flask --app wsgi sla worker`)."""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("WEB_THREADS", 1))
timeout = 60
graceful_timeout = 30
max_requests = 2000          # recycle workers now and then; jitter keeps them from restarting together
max_requests_jitter = 200
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
