# many_players.py: N concurrent HTTP players of one stream. Each must get a 200, then receive MORE bytes
# after its first body byte; all stay connected (and keep reading) until every one has done so, every
# connection has ended, or DEADLINE seconds have passed. Prints one JSON line: how many got 200, how
# many received MORE bytes after their first, the most open at once, and when (seconds from the
# player's start) the connection, the status line and the first body byte came: median and slowest.
import asyncio, json, sys, time

HOST, PORT, N, MORE, DEADLINE = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
ok200 = 0
done = 0
ended = 0  # players whose connection ended before they received MORE
open_now = open_peak = 0
errors = {}
t_conn, t_head, t_first, after_first = [], [], [], []

async def player(i, all_done):
    global ok200, done, ended, open_now, open_peak
    t0 = time.monotonic()
    n = -1  # bytes after the first read that carried body bytes; -1 until then
    reached = False
    try:
        reader, writer = await asyncio.open_connection(HOST, PORT)
        open_now += 1
        open_peak = max(open_peak, open_now)
        t_conn.append(time.monotonic() - t0)
        writer.write(b"GET /live/many.flv?player=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
        head = await reader.readuntil(b"\r\n\r\n")
        t_head.append(time.monotonic() - t0)
        line = head.split(b"\r\n")[0]
        if b" 200 " in line:
            ok200 += 1
        else:  # the status line and the reason, counted as an error
            why = (line + b" " + await reader.read(300)).decode(errors="replace")
            errors[why] = errors.get(why, 0) + 1
            writer.close()
            return
        # keep reading until every player is done (a player that stops reading would be dropped as slow)
        while not all_done.is_set():
            read = asyncio.ensure_future(reader.read(65536))
            stop = asyncio.ensure_future(all_done.wait())
            await asyncio.wait({read, stop}, return_when=asyncio.FIRST_COMPLETED)
            if not read.done():
                read.cancel()
                stop.cancel()
                break
            stop.cancel()
            b = read.result()
            if not b:
                break
            if n < 0:
                t_first.append(time.monotonic() - t0)
                n = 0
            else:
                n += len(b)
            if not reached and n >= MORE:
                reached = True
                done += 1
                if done == N:
                    all_done.set()
        writer.close()
        open_now -= 1
    except Exception as e:
        errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
    finally:
        after_first.append(max(n, 0))
        if not reached:
            ended += 1
        if done + ended == N:  # no player is still waiting for bytes
            all_done.set()

def summary(v):
    v = sorted(v)
    return {"median": round(v[len(v) // 2], 3), "max": round(v[-1], 3)} if v else None

async def main():
    all_done = asyncio.Event()
    tasks = []
    for i in range(N):
        tasks.append(asyncio.create_task(player(i, all_done)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)  # ramp up, so the listen backlog never overflows
    # until every player has received MORE or ended, or the deadline
    try:
        await asyncio.wait_for(all_done.wait(), timeout=DEADLINE)
    except asyncio.TimeoutError:
        all_done.set()
    await asyncio.gather(*tasks)
    print(json.dumps({"players": N, "ok200": ok200, "received_more": done, "more": MORE, "open_peak": open_peak,
                      "min_after_first": min(after_first) if after_first else 0, "errors": errors,
                      "connected_s": summary(t_conn), "status_s": summary(t_head), "first_byte_s": summary(t_first)}))

asyncio.run(main())
