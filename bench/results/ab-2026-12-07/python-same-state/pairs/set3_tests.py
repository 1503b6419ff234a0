
import hashlib, json, random, re

rng = random.Random(1)
DATA = [rng.random() for _ in range(1000)]
DOC = json.dumps({"words": ["budget"] * 100, "n": list(range(50))})
PATTERN = re.compile(r"(\w+)@(\w+)\.com")
TEXT = "contact someone@example.com or other@test.com " * 20
TABLE = list(range(1024))
BLOCK = b"x" * 65536


def loop(n=100):
    h = 0
    for i in range(n):
        h = (h * 31 + i) & 0xFFFF
    return h


def scan(t=TABLE):
    h = 0
    for i in range(8):
        h ^= t[(h + i) & 1023]
    return h


def test_loop_5us(perf):
    perf(loop)


def test_scan_400ns(perf):
    perf(scan)


def test_loop_1ms(perf):
    perf(loop, 12400)


def test_sorted(perf):
    perf(sorted, DATA)


def test_json(perf):
    perf(json.loads, DOC)


def test_regex(perf):
    perf(PATTERN.findall, TEXT)


def test_sum_range(perf):
    perf(sum, range(2000))


def test_dict_comprehension(perf):
    perf(lambda: {i: str(i) for i in range(200)})


def test_sha256_64k(perf):
    perf(lambda: hashlib.sha256(BLOCK).digest())
