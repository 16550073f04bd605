# many_players.py: N concurrent HTTP players of one stream; each must get a 200 and keep receiving for
# SECONDS. Prints one JSON line: how many got 200, how many received at least MIN bytes, totals.
import asyncio, json, sys, time

HOST, PORT, N, SECONDS, MIN = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
ok200 = 0
got = []
errors = {}

async def player(i, start_evt, end_at):
    global ok200
    n = 0
    try:
        reader, writer = await asyncio.open_connection(HOST, PORT)
        writer.write(b"GET /live/many.flv?player=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " in head.split(b"\r\n")[0]:
            ok200 += 1
        while time.monotonic() < end_at:
            try:
                b = await asyncio.wait_for(reader.read(65536), timeout=max(0.1, end_at - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if not b:
                break
            n += len(b)
        writer.close()
    except Exception as e:
        errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
    got.append(n)

async def main():
    end_at = time.monotonic() + SECONDS
    tasks = []
    for i in range(N):
        tasks.append(asyncio.create_task(player(i, None, end_at)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)  # ramp up, so the listen backlog never overflows
    await asyncio.gather(*tasks)
    print(json.dumps({"players": N, "ok200": ok200, "receiving": sum(1 for n in got if n >= MIN),
                      "bytes": sum(got), "min_bytes": min(got) if got else 0, "errors": errors}))

asyncio.run(main())
