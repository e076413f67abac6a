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


def post_worker_init(worker):
    """Ready the worker before its first request, then move what the application is made of (modules, mappers,
    compiled templates: some 200,000 objects) out of the garbage collector's sight. Unfrozen, a full collection
    walked them every few dozen requests and paused that request by 100–200 ms, most of every page's p95; frozen,
    it takes 6–9 ms. The youngest generation is collected after 50,000 new objects instead of 700: a page that
    reads rows (20,000 ids for the evaluation invitations, 50 cases with their parts for a list) set off dozens of
    collections a request, 1.3–3.6 ms of a page, that freed next to nothing (rows are freed by their reference
    counts). Templates are compiled here (0.9 s), and the working-day index built, so that no visitor waits
    for them (bench/README.md)."""
    import gc

    env = getattr(getattr(worker, "wsgi", None), "jinja_env", None)
    if env is not None:
        for name in env.list_templates(filter_func=lambda n: n.endswith((".html", ".txt"))):
            try:
                env.get_template(name)
            except Exception:  # a broken template fails where it is used, as without this; the worker still boots
                worker.log.exception("template %s does not compile", name)
    app = getattr(worker, "wsgi", None)
    if env is not None and app is not None:
        try:
            # The working-day index every deadline badge reads (sla/dayindex.py), built once per process: 100 ms
            # that the first page of each worker with a badge on it paid instead.
            from app.deadlines.calendar import current_calendar
            from sla.dayindex import index_for

            with app.app_context():
                index_for(current_calendar())
        except Exception:  # no database yet, say: the first badge builds it, as without this
            worker.log.exception("the working-day index was not built ahead")
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)
