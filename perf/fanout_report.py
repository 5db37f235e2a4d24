"""One fanout report, from fastchat-loadtest or the C harness, under the same keys.

perf/compare.sh and perf/extras.sh read both tools' JSON through load(); latencies are in ms,
and None marks what a tool does not report.
"""
import json


def load(path):
    """The report in path as a dict, or None when it is missing, unreadable or aborted."""
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(d, dict) or d.get("aborted"):
        return None
    if "metrics" in d:  # fastchat-loadtest (docs/LOADTEST.md)
        m = d["metrics"]
        rss_mb = m.get("server_rss_connected_mb")
        return dict(tool="lt", dps=m["deliveries/s"], expected_dps=m.get("expected_deliveries/s"),
                    p50=m.get("p50"), p99=m["p99"], lost=m["lost_total"], same_order=bool(m["same_order"]),
                    receivers_dropped=m.get("receivers_dropped"), bytes_per_conn=m["server_bytes_per_conn"],
                    server_cpu=m["server_cpu_pct"], tool_cpu=m["tool_cpu_pct"], other_cpu=None,
                    connect_s=m.get("connect_s"), clients_ready=m.get("clients_ready"),
                    connections_failed=m.get("connections_failed"), refused_full=m.get("refused_full"),
                    server_rss_connected_kb=None if rss_mb is None else rss_mb * 1024, joins=None,
                    bottleneck=bool(d.get("tool_bottleneck")))
    lat = d["latency_us"]
    return dict(tool="c", dps=d["deliveries_per_s"], expected_dps=d.get("expected_deliveries_per_s"),
                p50=lat["p50"] / 1000.0, p99=lat["p99"] / 1000.0, lost=d["lost_total"],
                same_order=bool(d["same_order"]), receivers_dropped=d.get("receivers_dropped"),
                bytes_per_conn=d["server_bytes_per_conn"], server_cpu=d["server_cpu_pct"],
                tool_cpu=d["harness_cpu_pct"], other_cpu=d.get("other_procs_cpu_pct"),
                connect_s=d.get("connect_s"), clients_ready=d.get("clients_ready"),
                connections_failed=d.get("connections_failed"), refused_full=d.get("refused_full"),
                server_rss_connected_kb=d.get("server_rss_connected_kb"),
                joins=(d.get("fastchat") or {}).get("joins"), bottleneck=False)
