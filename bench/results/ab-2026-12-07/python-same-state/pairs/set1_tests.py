TABLE = list(range(1024))

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

def work1ms(n=12400):
    h = 0
    for i in range(n):
        h = (h * 31 + i) & 0xFFFF
    return h

def test_loop(perf):
    perf(loop)

def test_scan(perf):
    perf(scan)

def test_1ms(perf):
    perf(work1ms)
