import json, re, random
rng = random.Random(1)
DATA = [rng.random() for _ in range(1000)]
DOC = json.dumps({"words": ["budget"] * 100, "n": list(range(50))})
PAT = re.compile(r"(\w+)@(\w+)\.com")
TEXT = "contact someone@example.com or other@test.com " * 20

def test_sorted(perf):
    perf(sorted, DATA)

def test_json(perf):
    perf(json.loads, DOC)

def test_regex(perf):
    perf(PAT.findall, TEXT)

def test_sum_range(perf):
    perf(sum, range(2000))

def test_dict_comp(perf):
    perf(lambda: {i: str(i) for i in range(200)})

def test_bytes_hash(perf):
    import hashlib
    b = b"x" * 65536
    perf(lambda: hashlib.sha256(b).digest())
