import json, glob, re, sys, statistics
d = sys.argv[1]
rows = []
for f in sorted(glob.glob(f"{d}/run*.json"), key=lambda p: int(re.findall(r"run(\d+)", p)[0])):
    doc = json.load(open(f))
    b = [x for x in doc["benchmarks"] if x["name"] == "decode_frame"][0]
    m = b["metrics"]
    lat = [c for c in b.get("comparisons", []) if c.get("category", "") in ("latency", "") or c["metric"].startswith("median")]
    c = lat[0] if lat else {}
    notes = [n.get("kind") for n in b.get("notes", [])]
    rows.append((int(re.findall(r"run(\d+)", f)[0]), b["summary"]["median"] / 1e3, m.get("probe_ns"),
                 (m.get("spawn_probe_ns") or float("nan")) / 1e3, c.get("baseline", float("nan")) / 1e3,
                 c.get("change_pct"), c.get("outcome"), notes))
for r in rows:
    print("%3d median %7.1f us probe %7.0f spawn %6.1f us base %7.1f change %+6.1f %% %-13s %s" % r)
