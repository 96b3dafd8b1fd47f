"""``keepwf worker``: a worker process on the PostgreSQL queue, with its own ``/metrics`` (Prometheus) when asked."""

from __future__ import annotations


def run_worker(root, url: str, env: str | None, *, concurrency: int, sync: str | None, sync_interval: float,
               heartbeat: float, grace: float, metrics_host: str, metrics_port: int | None, log_format: str) -> int:
    from keepwf.service.runtime.qworker import QueueWorker
    from keepwf.server.metrics import Metrics

    holder: dict = {}

    def waiting() -> int:
        from keepwf.store.pgqueue import connect, waiting_jobs

        try:
            with connect(url) as conn:
                return waiting_jobs(conn)
        except Exception:
            return -1

    metrics = Metrics(waiting, log_format)
    worker = QueueWorker(root, url, env, observer=metrics, sync_remote=sync, sync_interval=sync_interval,
                         heartbeat=heartbeat)
    holder["w"] = worker
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from keepwf.server.serve import bind

        bind(metrics_host, metrics_port).close()  # a clear error when the port is taken, before anything starts
        server, _thread = start_http_server(metrics_port, metrics_host, registry=metrics.registry)
        metrics.log({"msg": "metrics", "url": f"http://{metrics_host}:{server.server_address[1]}/metrics"})
    worker.run(concurrency, grace)
    return 0
