# Parse Prometheus text exposition format from stdin with the official Python
# client's parser and print the metric families as JSON (used by usage-metrics tests).
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    out.append({
        "name": fam.name,
        "type": fam.type,
        "documentation": fam.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in fam.samples],
    })
json.dump(out, sys.stdout)
