import json, glob, numpy as np
for v in ("sparse", "dense"):
    rows = []
    for f in glob.glob(f"/tmp/ext/ab/{v}*.json"):
        b = json.load(open(f))["benchmarks"][0]
        rows.append((b["summary"]["median"], b["metrics"]["spawn_probe_ns"], b["metrics"]["probe_ns"]))
    a = np.log(np.array(rows)); med, sp = a[:, 0], a[:, 1]
    fit = np.polyfit(sp - sp.mean(), med - med.mean(), 1)
    resid = med - med.mean() - np.polyval(fit, sp - sp.mean())
    # every ordered pair (baseline i, run j): changes beyond +15 %, and how many the rule explains
    big = expl = 0
    for i in range(len(a)):
        for j in range(len(a)):
            if i == j: continue
            ch = med[j] - med[i]; r = sp[j] - sp[i]
            if ch > np.log(1.15):
                big += 1
                if r >= np.log(1.10) and ch <= 1.5 * r: expl += 1
    print(f"{v}: runs {len(a)} median {np.exp(np.median(med))/1e3:.0f} us spawn {np.exp(np.median(sp))/1e3:.0f} us "
          f"corr {np.corrcoef(med, sp)[0,1]:.2f} slope {fit[0]:.2f} sd {med.std():.3f} resid sd {resid.std():.3f}; "
          f"pairs beyond +15 %: {big}, explained by the spawn rule: {expl}")
