"""gunicorn.conf.py spreads requests over the workers: a worker whose threads are all busy takes no new
connection while another worker has a free thread.

gthread workers accept every connection they can (1,000 by default) and queue it behind their own busy
threads. With clients that keep their connections (a load balancer, a benchmark's 8 connections), one
worker could hold 7 of 8 connections while the other idled: twice the latency, half the throughput.
"""
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.ops.servers import ROOT, free_port, stop, wait_for_port


@pytest.mark.parametrize("threads_env, threads_args", [("1", []), ("4", ["--threads", "1"])],
                         ids=["WASL_THREADS", "--threads"])
def test_a_busy_worker_leaves_new_connections_to_a_free_one(tmp_path, threads_env, threads_args):
    port = free_port()
    started = tmp_path / "slow-started"
    env = dict(os.environ, WEB_CONCURRENCY="2", WASL_THREADS=threads_env, STARTED_FILE=str(started),
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    with open(tmp_path / "gunicorn.log", "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *threads_args,
                                   "--bind", f"127.0.0.1:{port}", "tests.ops.pid_app:app"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process=server)
        base = f"http://127.0.0.1:{port}"
        booted = {requests.get(base, timeout=10).text for _ in range(20)}  # both workers up
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(requests.get, f"{base}/slow?seconds=3", timeout=20)
            deadline = time.monotonic() + 10
            while not started.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            assert started.exists(), "the slow request never started"
            # One worker's only thread is asleep: every new connection must go to the other worker.
            fast = [requests.get(base, timeout=20).text for _ in range(8)]
            busy = slow.result().text
        assert busy not in fast, (busy, fast, booted)
        assert len(set(fast)) == 1
    finally:
        stop(server)
